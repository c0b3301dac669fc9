import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createTestApp, invokerWith, type TestApp } from '../../../test/helpers/app.js';
import { defineCapability } from '../../core/capability.js';
import { UserError } from '../../core/errors.js';
import type { UserRef } from '../../core/identity.js';
import type { CapabilityRegistry } from '../../core/registry.js';
import { McpServerFactory } from './server-factory.js';

// A 1×1 PNG: enough for an image block.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Test capabilities: a write that records its runs, and reads that answer with bigints, images and failures. */
function testCapabilities(runs: string[]) {
  return [
    defineCapability({
      name: 'burn_note',
      summary: 'Burns your note about a chain for good (test capability).',
      input: z.object({ chain: z.string().min(1).describe('The chain the note is about.') }),
      examples: ['burn note'],
      effect: 'write',
      async describe(_ctx, input) {
        return `Burn the note about **${input.chain}**?`;
      },
      async run(_ctx, input) {
        runs.push(input.chain);
        return { data: { burned: input.chain }, reply: { blocks: [{ type: 'text', text: `Burned ${input.chain}.` }] } };
      },
    }),
    defineCapability({
      name: 'get_supply',
      summary: 'Answers with a bigint and a chart (test capability).',
      input: z.object({ token: z.string().min(1).describe('Which token.'), precise: z.boolean().default(false) }),
      examples: ['supply'],
      effect: 'read',
      async run(_ctx, input) {
        return {
          data: { token: input.token, supply: 2n ** 70n, precise: input.precise },
          reply: {
            blocks: [
              { type: 'text', text: `**${input.token}** supply` },
              { type: 'image', mime: 'image/png', base64: PIXEL, alt: 'supply chart' },
            ],
            buttons: [[{ label: 'More', action: 'send', value: 'more' }, { label: 'Docs', action: 'link', value: 'https://example.org/docs' }]],
          },
        };
      },
    }),
    defineCapability({
      name: 'get_trouble',
      summary: 'Fails, as asked (test capability).',
      input: z.object({ kind: z.enum(['user', 'internal']) }),
      examples: ['trouble'],
      effect: 'read',
      async run(_ctx, input) {
        if (input.kind === 'user') throw new UserError('not_found', 'There is no such note.', { details: { note: 'x' } });
        throw new Error('connection to db://admin:hunter2@10.0.0.5 refused');
      },
    }),
  ];
}

interface Connected {
  client: Client;
  close(): Promise<void>;
}

describe('MCP server factory', () => {
  let t: TestApp;
  let factory: McpServerFactory;
  let registry: CapabilityRegistry;
  const runs: string[] = [];
  const open: Connected[] = [];

  before(async () => {
    t = await createTestApp('sqlite', { CHAINS: 'none' });
    const { app } = t;
    // The app's own stores, limiter and audit log, with the test capabilities added to its registry.
    const made = invokerWith(app, testCapabilities(runs));
    registry = made.registry;
    factory = new McpServerFactory({ registry, invoker: made.invoker, appInfo: app.info, log: app.log });
  });
  after(async () => {
    for (const c of open) await c.close();
    await t?.dispose();
  });

  /** The SDK's own client, connected in memory to a server speaking for `mcp:<id>`. */
  async function connect(id: string): Promise<Connected> {
    const ref: UserRef = { platform: 'mcp', id };
    const server = factory.create({ user: `mcp:${id}`, admit: () => t.app.assistant.admit(ref), chatId: `mcp:${id}` });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    const connected = {
      client,
      async close() {
        await client.close();
        await server.close();
      },
    };
    open.push(connected);
    return connected;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  function text(result: CallToolResult): string {
    const first = result.content[0];
    assert.equal(first?.type, 'text');
    return first.type === 'text' ? first.text : '';
  }

  it('lists every capability as a tool with its summary, JSON Schema and annotations', async () => {
    const { client } = await connect('lister');
    const { tools } = await client.listTools();
    const descriptors = registry.describe();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), descriptors.map((d) => d.name).sort());
    for (const d of descriptors) {
      const tool = tools.find((x) => x.name === d.name)!;
      assert.equal(tool.description, d.summary);
      // The very schema GET /v1/capabilities and the LLM's tools show.
      const { additionalProperties: _loose, ...listed } = tool.inputSchema as Record<string, unknown>;
      const { additionalProperties: _own, ...own } = d.inputSchema;
      assert.deepEqual(listed, own, d.name);
    }
    const burn = tools.find((x) => x.name === 'burn_note')!;
    assert.deepEqual(burn.annotations, { readOnlyHint: false, destructiveHint: true });
    assert.equal(tools.find((x) => x.name === 'get_supply')!.annotations?.readOnlyHint, true);
    // confirm runs writes: a client auto-approving read-only tools must not auto-approve it.
    const confirm = tools.find((x) => x.name === 'confirm')!;
    assert.equal(confirm.annotations?.readOnlyHint, false);
    assert.equal(confirm.annotations?.destructiveHint, true);
    assert.deepEqual((burn.inputSchema as { required?: string[] }).required, ['chain']);
  });

  it('answers with the reply as text, the data as structured content (bigints as strings) and images as image content', async () => {
    const { client } = await connect('reader');
    const result = await call(client, 'get_supply', { token: 'PEPE' });
    assert.equal(result.isError, undefined);
    assert.deepEqual(result.structuredContent, { token: 'PEPE', supply: (2n ** 70n).toString(), precise: false });
    const words = text(result);
    assert.match(words, /^PEPE supply/);
    assert.doesNotMatch(words, /\*\*|\[image|\[More\]/, 'markup, image placeholders or chat buttons reached the text');
    assert.match(words, /Docs: https:\/\/example\.org\/docs/);
    assert.deepEqual(result.content[1], { type: 'text', text: JSON.stringify(result.structuredContent) });
    assert.deepEqual(result.content[2], { type: 'image', data: PIXEL, mimeType: 'image/png' });
  });

  it('answers bad input with isError and a message a person can act on', async () => {
    const { client } = await connect('sloppy');
    const missing = await call(client, 'get_supply', {});
    assert.equal(missing.isError, true);
    assert.equal(text(missing), 'I need the token (which token).');
    const wrong = await call(client, 'get_supply', { token: 'PEPE', precise: 'very' });
    assert.equal(wrong.isError, true);
    assert.match(text(wrong), /^Invalid input\.precise: /);
    assert.deepEqual((wrong.structuredContent as { error: { code: string } }).error.code, 'bad_input');
  });

  it("keeps a capability's own error message and code, and hides an internal one behind a ref", async () => {
    const { client } = await connect('unlucky');
    const user = await call(client, 'get_trouble', { kind: 'user' });
    assert.equal(user.isError, true);
    assert.equal(text(user), 'There is no such note.');
    assert.deepEqual(user.structuredContent, { error: { code: 'not_found', message: 'There is no such note.', details: { note: 'x' } } });

    const internal = await call(client, 'get_trouble', { kind: 'internal' });
    assert.equal(internal.isError, true);
    const ref = /^Something went wrong \(ref ([0-9a-f]+)\)\.$/.exec(text(internal))?.[1];
    assert.ok(ref, text(internal));
    assert.doesNotMatch(JSON.stringify(internal), /hunter2|db:\/\/|at .*\.ts/);
    const logged = t.logs.records().find((r) => r.ref === ref);
    assert.ok(logged, 'the internal error was logged with its ref');
    assert.equal(logged.msg, 'MCP tool call failed');
  });

  it('a write only creates a pending action; confirm with its id runs it once, for its owner only', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const asked = await call(alice.client, 'burn_note', { chain: 'base' });
    assert.equal(asked.isError, undefined);
    const pending = (asked.structuredContent as { pending: { id: string; capability: string } }).pending;
    assert.match(pending.id, /^pa_[0-9a-f]{32}$/);
    assert.equal(pending.capability, 'burn_note');
    assert.match(text(asked), new RegExp(`call the "confirm" tool with \\{"id": "${pending.id}"\\}`));
    assert.deepEqual(runs, [], 'nothing happened before the confirmation');

    // MCP must name the action: no "yes" to whatever is pending.
    const bare = await call(alice.client, 'confirm', {});
    assert.equal(bare.isError, true);
    assert.match(text(bare), /Name the pending action/);
    // Someone else cannot confirm it, even knowing its id.
    const stolen = await call(bob.client, 'confirm', { id: pending.id });
    assert.equal(stolen.isError, true);
    assert.deepEqual(runs, []);

    const confirmed = await call(alice.client, 'confirm', { id: pending.id });
    assert.equal(confirmed.isError, undefined, text(confirmed));
    assert.match(text(confirmed), /Burned base/);
    assert.deepEqual(confirmed.structuredContent, { confirmed: { id: pending.id, capability: 'burn_note' }, result: { burned: 'base' } });
    assert.deepEqual(runs, ['base']);

    const again = await call(alice.client, 'confirm', { id: pending.id });
    assert.equal(again.isError, true);
    assert.deepEqual(runs, ['base'], 'a confirmation runs once');
  });

  it('cancel drops a pending write', async () => {
    const { client } = await connect('carol');
    const asked = await call(client, 'burn_note', { chain: 'optimism' });
    const { id } = (asked.structuredContent as { pending: { id: string } }).pending;
    const cancelled = await call(client, 'cancel', { id });
    assert.equal(cancelled.isError, undefined);
    const late = await call(client, 'confirm', { id });
    assert.equal(late.isError, true);
    assert.ok(!runs.includes('optimism'));
  });
});
