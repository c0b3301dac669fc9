import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { FakeLlmServer } from '../../../test/helpers/llm-servers.js';
import { replyToPlainText } from '../../core/reply.js';
import { parseMcpServers } from './mcp-servers.js';

const UNREAD = 'zorblax quux frobnicate the thingamajig';

/** Another MCP server, as someone might run next to Möbius: one tool, over stateless streamable HTTP. */
async function startForecastServer(): Promise<{ url: string; calls: Array<Record<string, unknown>>; close(): Promise<void> }> {
  const calls: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    const mcp = new McpServer({ name: 'forecast', version: '1.0.0' });
    mcp.registerTool(
      'forecast',
      { description: 'Tomorrow’s weather for a city.', inputSchema: { city: z.string() } },
      async ({ city }) => {
        calls.push({ city });
        return { content: [{ type: 'text', text: `sunny in ${city}` }] };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      void mcp.connect(transport).then(() => transport.handleRequest(req, res, body ? JSON.parse(body) : undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('MCP_SERVERS', () => {
  it('reads HTTP and stdio servers, and explains a wrong entry', () => {
    assert.deepEqual(parseMcpServers('docs=https://mcp.example.com/mcp, fs=stdio:npx -y server-fs /srv'), [
      { name: 'docs', url: 'https://mcp.example.com/mcp' },
      { name: 'fs', command: 'npx', args: ['-y', 'server-fs', '/srv'] },
    ]);
    assert.throws(() => parseMcpServers('Docs=https://x'), /name is not/);
    assert.throws(() => parseMcpServers('a=ftp://x'), /only http\(s\) URLs/);
    assert.throws(() => parseMcpServers('a=https://x,a=https://y'), /twice/);
    assert.throws(() => parseMcpServers('a=stdio:'), /no command/);
  });
});

describe('LLM fallback with an external MCP server', () => {
  let fake: FakeLlmServer;
  let forecast: Awaited<ReturnType<typeof startForecastServer>>;
  let t: TestApp;
  let n = 0;
  const ask = (words: string) => {
    const id = `mcp-ext-${++n}`;
    return t.app.assistant.handle({ user: { platform: 'web', id }, text: words, chat: { kind: 'private', id } });
  };

  before(async () => {
    fake = await FakeLlmServer.start();
    forecast = await startForecastServer();
    t = await createTestApp('sqlite', {
      CHAINS: 'none',
      LLM_PROVIDERS: `openai-compatible:${fake.url}/p1/v1:model-one`,
      LLM_API_KEY: 'sk-test',
      LLM_TIMEOUT_MS: '2000',
      // The second server never answers: its tools are left out, the turn goes on.
      MCP_SERVERS: `ext=${forecast.url},down=http://127.0.0.1:9/mcp`,
      MCP_SERVER_TIMEOUT_MS: '1500',
    });
  });
  afterEach(() => {
    assert.equal(fake.remaining('/p1'), 0, 'every scripted answer was asked for');
    fake.reset();
  });
  after(async () => {
    await t.dispose();
    await forecast.close();
    await fake.close();
  });

  it("offers the other server's tools after the capabilities, and passes their results as data", async () => {
    fake.script('/p1', { toolCalls: [{ name: 'mcp_ext_forecast', input: { city: 'Paris' } }] }, { text: 'Sunny tomorrow.' });
    const result = await ask(UNREAD);
    assert.equal(replyToPlainText(result.replies[0]!), 'Sunny tomorrow.');
    assert.deepEqual(forecast.calls, [{ city: 'Paris' }]);
    const [first, second] = fake.requestsTo('/p1');
    const names = (first!.body.tools as Array<{ function: { name: string; description: string } }>).map((tool) => tool.function.name);
    assert.ok(names.includes('get_status') && names.includes('mcp_ext_forecast'));
    assert.ok(!names.some((name) => name.startsWith('mcp_down_')), 'an unreachable server offers nothing');
    const described = (first!.body.tools as Array<{ function: { name: string; description: string } }>).find((tool) => tool.function.name === 'mcp_ext_forecast')!;
    assert.match(described.function.description, /use only when no Möbius tool fits/);
    const toolMessage = (second!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'tool')!;
    assert.match(toolMessage.content, /^<tool-data capability="mcp:ext\/forecast">/);
    assert.match(toolMessage.content, /sunny in Paris/);
  });

  it('refuses an address the person never wrote, for external tools too', async () => {
    const invented = '0x1111111111111111111111111111111111111111';
    fake.script('/p1', { toolCalls: [{ name: 'mcp_ext_forecast', input: { city: invented } }] }, { text: 'Which city?' });
    const before = forecast.calls.length;
    await ask(UNREAD);
    assert.equal(forecast.calls.length, before, 'the external tool was not called');
    const toolMessage = (fake.requestsTo('/p1')[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'tool')!;
    assert.match(toolMessage.content, /address_not_given/);
  });
});
