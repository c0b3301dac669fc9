import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { privateKeyToAccount } from 'viem/accounts';
import { capabilities } from '../../src/capabilities/index.js';
import { CapabilityRegistry } from '../../src/core/registry.js';
import { request, startTestServer, type TestServer } from '../helpers/app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(root, 'bin', 'mobius');
/** A process compiling the sources through tsx and starting the devnet takes a few seconds. */
const START_TIMEOUT_MS = 60_000;

const registry = new CapabilityRegistry(capabilities);
const descriptors = registry.describe();

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A CLI process's environment: this one's minus Möbius settings (DATABASE_URL too: it is for SQLite), on its own data dir. */
function cliEnv(extra: Record<string, string> = {}): { env: Record<string, string>; dataDir: string } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mobius-mcp-'));
  dirs.push(dataDir);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('MOBIUS_') || key === 'DATABASE_URL' || key === 'LOG_LEVEL') continue;
    env[key] = value;
  }
  return { env: { ...env, MOBIUS_DATA_DIR: dataDir, MOBIUS_FROM_SOURCE: '1', DEVNET_MARKET_MAKER_INTERVAL_MS: '0', ...extra }, dataDir };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

function ok(result: CallToolResult): Record<string, any> {
  assert.notEqual(result.isError, true, text(result));
  return result.structuredContent as Record<string, any>;
}

function refused(result: CallToolResult, pattern: RegExp): void {
  assert.equal(result.isError, true, `expected a refusal, got: ${text(result)}`);
  assert.match(text(result), pattern);
}

/** Every capability is a tool, with its own summary and input JSON Schema. */
function assertToolsMatchCapabilities(tools: Tool[]): void {
  assert.deepEqual(tools.map((t) => t.name).sort(), descriptors.map((d) => d.name).sort());
  for (const d of descriptors) {
    const tool = tools.find((t) => t.name === d.name)!;
    assert.equal(tool.description, d.summary);
    assert.deepEqual((tool.inputSchema as { properties?: unknown }).properties, d.inputSchema.properties, d.name);
    assert.deepEqual((tool.inputSchema as { required?: unknown }).required, d.inputSchema.required, d.name);
    // Read-only only where certain: reads of public market data (not wallet tools that create or rename, not confirm).
    const readOnly = d.effect === 'read' && (registry.get(d.name).scope ?? 'market') === 'market' && d.name !== 'confirm' && d.name !== 'cancel';
    assert.equal(tool.annotations?.readOnlyHint, readOnly, d.name);
    assert.equal(tool.annotations?.destructiveHint, d.effect === 'write' || d.name === 'confirm' ? true : readOnly ? undefined : false, d.name);
  }
  const annotations = (name: string) => tools.find((t) => t.name === name)?.annotations;
  assert.deepEqual(annotations('get_price'), { readOnlyHint: true });
  assert.equal(annotations('create_wallet')?.readOnlyHint, false);
  assert.deepEqual(annotations('delete_wallet'), { readOnlyHint: false, destructiveHint: true });
}

function assertEthPrice(result: CallToolResult): void {
  const data = ok(result);
  assert.match(text(result), /ETH\b.*\$[\d,]+/);
  const [price] = data.prices as Array<{ token: { symbol: string }; price: number; fiat: string }>;
  assert.equal(price?.token.symbol, 'ETH');
  assert.equal(price.fiat, 'usd');
  assert.ok(price.price > 0, JSON.stringify(price));
}

describe('MCP over stdio: bin/mobius mcp', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let dataDir: string;
  let stderr = '';
  const clientErrors: Error[] = [];

  before(async () => {
    const setup = cliEnv();
    dataDir = setup.dataDir;
    transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env: setup.env, cwd: root, stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    client = new Client({ name: 'mcp-test', version: '1.0.0' });
    // A line on stdout that is not JSON-RPC shows up here: stdout must carry the protocol alone.
    client.onerror = (err) => clientErrors.push(err);
    await client.connect(transport, { timeout: START_TIMEOUT_MS });
  });
  after(async () => {
    await client?.close();
  });

  it('lists every capability as a tool with its schema', async () => {
    const { tools } = await client.listTools();
    assertToolsMatchCapabilities(tools);
    const server = client.getServerVersion();
    assert.equal(server?.name, 'mobius');
  });

  it('calls get_price on the devnet', async () => {
    assertEthPrice(await call(client, 'get_price', { tokens: ['eth'] }));
  });

  it('answers bad input with isError and a clear message', async () => {
    refused(await call(client, 'get_price', { tokens: [] }), /^Invalid input\.tokens: /);
    refused(await call(client, 'get_price', {}), /^I need the tokens \(tokens: symbols/);
  });

  it('speaks for mcp:local, and stdout carries nothing but the protocol', async () => {
    ok(await call(client, 'list_wallets'));
    const db = new BetterSqlite3(path.join(dataDir, 'mobius.db'), { readonly: true });
    try {
      const rows = db.prepare('select platform, platform_user_id from identities').all();
      assert.deepEqual(rows, [{ platform: 'mcp', platform_user_id: 'local' }]);
    } finally {
      db.close();
    }
    assert.deepEqual(clientErrors, [], stderr);
  });

  it('exits when the client hangs up', async () => {
    const pid = transport.pid;
    assert.ok(pid);
    await client.close();
    const until = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < until) {
      try {
        process.kill(pid, 0);
        await sleep(50);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, `bin/mobius mcp still runs after the client closed\n${stderr}`);
  });

  it('refuses a malformed --user with one line, before starting anything', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp', '--user', 'api:key_1:bob'], { cwd: root, env: cliEnv().env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1, err);
    assert.equal(out, '');
    assert.match(err.trim(), /^--user "api:key_1:bob" must be 1–64 characters/);
  });
});

describe('MCP over HTTP: /mcp', () => {
  let server: TestServer;
  /** Off loopback, so every request needs an API key. */
  const clients: Client[] = [];

  before(async () => {
    server = await startTestServer('sqlite', { MOBIUS_HOST: '0.0.0.0', DEVNET_MARKET_MAKER_INTERVAL_MS: '0' });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.dispose();
  });

  async function connect(headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  async function keyed(scopes?: string[], user?: string): Promise<Client> {
    const { key } = await server.app.apiKeys.create({ tier: 'pro', label: 'mcp test', ...(scopes ? { scopes } : {}) });
    return connect({ authorization: `Bearer ${key}`, ...(user ? { 'mobius-user': user } : {}) });
  }

  async function bearer(scopes?: string[]): Promise<string> {
    const { key } = await server.app.apiKeys.create({ tier: 'pro', label: 'mcp test', ...(scopes ? { scopes } : {}) });
    return `Bearer ${key}`;
  }

  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const accept = { accept: 'application/json, text/event-stream' };

  it('refuses a request without an API key off loopback (401), and a bad key', async () => {
    const none = await request(server.url, 'POST', '/mcp', { json: initialize, headers: accept });
    assert.equal(none.status, 401, none.text);
    assert.equal(none.body.error.code, 'unauthorized');
    const wrong = await request(server.url, 'POST', '/mcp', { json: initialize, headers: { ...accept, authorization: 'Bearer mbx_nope_nope' } });
    assert.equal(wrong.status, 401, wrong.text);
    await assert.rejects(connect({}), /401|unauthorized/i);
  });

  it('lists every capability as a tool and calls get_price with an API key', async () => {
    const client = await keyed();
    assertToolsMatchCapabilities((await client.listTools()).tools);
    assertEthPrice(await call(client, 'get_price', { tokens: ['ETH'] }));
  });

  it('answers bad input with isError and a clear message', async () => {
    const client = await keyed();
    refused(await call(client, 'get_price', { tokens: ['eth'], fiat: 42 }), /^Invalid input\.fiat: /);
  });

  it('refuses get_price to a key without the market scope', async () => {
    const client = await keyed(['chat', 'wallet']);
    refused(await call(client, 'get_price', { tokens: ['eth'] }), /may not call get_price: it needs the "market" scope/);
    // What the key may do, it can.
    ok(await call(client, 'list_wallets'));
  });

  it('is stateless: no session id, and GET or DELETE is not offered', async () => {
    const auth = await bearer();
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...accept, 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(initialize),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('mcp-session-id'), null);
    assert.match(await res.text(), /"serverInfo":\{"name":"mobius"/);
    for (const method of ['GET', 'DELETE']) {
      const other = await fetch(`${server.url}/mcp`, { method, headers: { ...accept, authorization: auth } });
      assert.equal(other.status, 405, method);
    }
  });

  it('refuses a malformed Mobius-User header', async () => {
    const res = await request(server.url, 'POST', '/mcp', { json: initialize, headers: { ...accept, authorization: await bearer(), 'mobius-user': 'no spaces please' } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.error.message, /Mobius-User/);
  });

  it('a write tool only returns a pending id; nothing happens until confirm', async () => {
    const client = await keyed(undefined, 'writer');
    const created = ok(await call(client, 'create_wallet', { name: 'doomed' }));
    const address = created.wallet.address as string;
    const asked = await call(client, 'delete_wallet', { wallet: 'doomed' });
    const { pending } = ok(asked);
    assert.match(pending.id, /^pa_[0-9a-f]{32}$/);
    assert.equal(pending.capability, 'delete_wallet');
    assert.match(text(asked), /call the "confirm" tool with \{"id": "pa_/);
    const still = ok(await call(client, 'list_wallets'));
    assert.deepEqual(still.wallets.map((w: { address: string }) => w.address), [address], 'the wallet is still there');

    const confirmed = ok(await call(client, 'confirm', { id: pending.id }));
    assert.equal(confirmed.confirmed.capability, 'delete_wallet');
    assert.deepEqual(ok(await call(client, 'list_wallets')).wallets, []);
  });

  describe("isolation: nobody reaches another MCP user's wallets", () => {
    /** Users of one key told apart by Mobius-User, and a user of another key with the same name. */
    let alice: Client;
    let bobSameKey: Client;
    let aliceOtherKey: Client;
    let wallet: { address: string; name: string };
    let alicePending: string;

    before(async () => {
      const auth = await bearer();
      alice = await connect({ authorization: auth, 'mobius-user': 'alice' });
      bobSameKey = await connect({ authorization: auth, 'mobius-user': 'bob' });
      aliceOtherKey = await connect({ authorization: await bearer(), 'mobius-user': 'alice' });
      wallet = ok(await call(alice, 'create_wallet', { name: 'vault' })).wallet;
      // Alice has a write waiting for her yes; the others must not be able to give it.
      alicePending = ok(await call(alice, 'export_wallet', { wallet: 'vault' })).pending.id;
    });

    for (const [who, other] of [
      ['another user of the same key', () => bobSameKey],
      ['the same user name under another key', () => aliceOtherKey],
    ] as const) {
      it(`${who} cannot see, rename, export, delete or confirm for her wallet`, async () => {
        const them = other();
        const listed = ok(await call(them, 'list_wallets'));
        assert.deepEqual(listed.wallets, []);
        assert.doesNotMatch(text(await call(them, 'list_wallets')), new RegExp(wallet.address, 'i'));
        for (const ref of [wallet.address, wallet.name, '1']) {
          for (const [tool, args] of [
            ['rename_wallet', { wallet: ref, name: 'mine' }],
            ['export_wallet', { wallet: ref }],
            ['delete_wallet', { wallet: ref }],
            ['set_active_wallet', { wallet: ref }],
          ] as const) {
            const result = await call(them, tool, args);
            refused(result, /./);
            // Refused as not theirs (no such wallet), never as a pending action to confirm.
            const { code } = (result.structuredContent as { error: { code: string } }).error;
            assert.ok(code === 'not_found' || code === 'bad_input', `${tool} ${ref}: ${code} ${text(result)}`);
            assert.doesNotMatch(text(result), /0x[0-9a-f]{64}/i, 'a key leaked');
          }
        }
        refused(await call(them, 'confirm', { id: alicePending }), /no longer waiting/);
        refused(await call(them, 'cancel', { id: alicePending }), /no longer waiting/);
      });
    }

    it('her wallet is untouched, and only she can export it', async () => {
      const mine = ok(await call(alice, 'list_wallets'));
      assert.deepEqual(
        mine.wallets.map((w: { address: string; name: string }) => [w.address, w.name]),
        [[wallet.address, 'vault']],
      );
      const exported = await call(alice, 'confirm', { id: alicePending });
      const { result } = ok(exported);
      assert.equal(privateKeyToAccount(result.privateKey).address, wallet.address);
    });
  });
});

describe('MCP over HTTP on a loopback-only server', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer('sqlite', { CHAINS: 'none' });
  });
  after(async () => {
    await server?.dispose();
  });

  /** A raw POST with exactly these headers (fetch may not set Host). */
  function post(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const url = new URL(`${server.url}/mcp`);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves the person at this machine without a key, as mcp:local:<Mobius-User>', async () => {
    const client = new Client({ name: 'local', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { 'mobius-user': 'dana' } } }));
    try {
      ok(await call(client, 'get_status'));
    } finally {
      await client.close();
    }
    const ids = await server.app.database.db.selectFrom('identities').select(['platform', 'platform_user_id']).where('platform', '=', 'mcp').execute();
    assert.deepEqual(ids, [{ platform: 'mcp', platform_user_id: 'local:dana' }]);
  });

  it('refuses keyless requests addressed to another host name or from a foreign origin (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    assert.equal((await post({ host: `localhost:${port}` })).status, 200);
    assert.equal((await post({ host: `127.0.0.1:${port}`, origin: `http://localhost:3000` })).status, 200);
    const rebound = await post({ host: `attacker.example:${port}` });
    assert.equal(rebound.status, 403, rebound.body);
    assert.match(rebound.body, /localhost/);
    assert.equal((await post({ host: `127.0.0.1:${port}`, origin: 'https://attacker.example' })).status, 403);
  });
});
