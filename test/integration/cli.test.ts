import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createPostgresSchema, request } from '../helpers/app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(root, 'bin', 'mobius');
/** Generous: a process compiling the sources through tsx takes a second or two to start. */
const COMMAND_TIMEOUT_MS = 30_000;

const dirs: string[] = [];
const children = new Set<ChildProcess>();

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-cli-'));
  dirs.push(dir);
  return dir;
}

/** The environment of a CLI process: this one's, minus any Möbius settings, on its own data dir, from the sources. */
function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('MOBIUS_') || key === 'DATABASE_URL' || key === 'LOG_LEVEL') delete env[key];
  }
  return { ...env, MOBIUS_DATA_DIR: dataDir, MOBIUS_FROM_SOURCE: '1', ...extra };
}

interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/mobius …` to completion, feeding `input` on stdin. */
async function mobius(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Ran> {
  const run = start(args, env);
  run.child.stdin!.end(input);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
  const { code } = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

function show(r: Ran): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForReady(base: string, run: Started, deadlineMs = COMMAND_TIMEOUT_MS): Promise<void> {
  const until = Date.now() + deadlineMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (Date.now() < until) {
    if (exited) assert.fail(`serve exited before it was ready\n${run.stdout()}\n${run.stderr()}`);
    try {
      const res = await fetch(`${base}/ready`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  assert.fail(`serve was not ready within ${deadlineMs} ms\n${run.stdout()}\n${run.stderr()}`);
}

function oneLine(text: string): string {
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${text}`);
  return lines[0]!;
}

// Each command is a process compiling the sources through tsx: run two at a time, not one.
describe('bin/mobius', { concurrency: 2 }, () => {
  it('ask help prints the help text', async () => {
    const r = await mobius(['ask', 'help'], cliEnv(freshDataDir()));
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Ask me in plain words/);
    assert.match(r.stdout, /"status"\s+Shows the version/);
    assert.doesNotMatch(r.stdout, /\*\*|\\/, 'markup reached the terminal');
    assert.doesNotMatch(r.stderr, /error/i, show(r));
  });

  it('ask status --json prints the whole result as JSON', async () => {
    const r = await mobius(['ask', 'status', '--json', '--user', 'telegram:5'], cliEnv(freshDataDir()));
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(r.stdout) as { intent: { name: string; source: string }; replies: Array<{ blocks: unknown[] }> };
    assert.equal(result.intent.name, 'get_status');
    assert.equal(result.intent.source, 'builtin');
    assert.ok(result.replies[0]!.blocks.length > 0);
  });

  it('ask with a malformed --user exits 1 with one line', async () => {
    const r = await mobius(['ask', 'help', '--user', 'nonsense'], cliEnv(freshDataDir()));
    assert.equal(r.code, 1, show(r));
    assert.match(oneLine(r.stderr), /"nonsense" should be <platform>:<id>/);
    assert.equal(r.stdout, '');
  });

  it('parse --jsonl writes one JSON line per input line, in order', async () => {
    const r = await mobius(['parse', '--jsonl'], cliEnv(freshDataDir()), 'stauts\nbuy me a pizza\nhelp get_status\n');
    assert.equal(r.code, 0, show(r));
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 3, show(r));
    const parsed = lines.map((l) => JSON.parse(l) as { text: string; intent: { name: string; input: unknown; source: string } });
    assert.deepEqual(
      parsed.map((p) => [p.text, p.intent.name, p.intent.source]),
      [
        ['stauts', 'get_status', 'builtin'],
        ['buy me a pizza', 'none', 'none'],
        ['help get_status', 'help', 'builtin'],
      ],
    );
    assert.deepEqual(parsed[2]!.intent.input, { capability: 'get_status' });
  });

  it('migrate applies the migrations once, then reports the database up to date', async () => {
    const env = cliEnv(freshDataDir());
    const first = await mobius(['migrate'], env);
    assert.equal(first.code, 0, show(first));
    assert.match(first.stdout, /^Applied: 0001_foundation/);
    const second = await mobius(['migrate'], env);
    assert.equal(second.code, 0, show(second));
    assert.equal(second.stdout.trim(), 'The database is up to date.');
  });

  it('creates, lists and revokes an API key, never listing the key itself', async () => {
    const env = cliEnv(freshDataDir());
    const created = await mobius(['apikey', 'create', '--tier', 'pro', '--label', 'ci', '--json'], env);
    assert.equal(created.code, 0, show(created));
    const key = JSON.parse(created.stdout) as { id: string; key: string; tier: string; label: string };
    assert.equal(key.tier, 'pro');
    assert.equal(key.label, 'ci');
    assert.match(key.key, /^mbx_key_[0-9a-f]{16}_/);
    const secret = key.key.slice(`mbx_${key.id}_`.length);
    assert.ok(secret.length >= 40);

    const listed = await mobius(['apikey', 'list'], env);
    assert.equal(listed.code, 0, show(listed));
    const row = oneLine(listed.stdout);
    assert.match(row, new RegExp(`^${key.id}\\s+pro\\s+active\\s+chat,market,wallet,trade\\s+ci$`));
    assert.ok(!listed.stdout.includes(secret), 'the key was listed');

    const revoked = await mobius(['apikey', 'revoke', key.id], env);
    assert.equal(revoked.code, 0, show(revoked));
    assert.equal(revoked.stdout.trim(), `Revoked ${key.id}.`);
    const db = new BetterSqlite3(path.join(env.MOBIUS_DATA_DIR!, 'mobius.db'), { readonly: true });
    try {
      const stored = db.prepare('select * from api_keys').all() as Array<Record<string, unknown>>;
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.id, key.id);
      assert.notEqual(stored[0]!.revoked_at, null);
      assert.ok(!JSON.stringify(stored).includes(secret), 'the key is stored in plain text');
      // Both operator actions are on the audit record, without the key.
      const audit = db.prepare('select action, subject, data from audit_log order by seq').all() as Array<Record<string, string>>;
      assert.deepEqual(audit.map((a) => [a.action, a.subject]), [['apikey.created', key.id], ['apikey.revoked', key.id]]);
      assert.ok(!JSON.stringify(audit).includes(secret), 'the key reached the audit log');
    } finally {
      db.close();
    }
  });

  it('refuses an unknown tier, naming the allowed ones', async () => {
    const r = await mobius(['apikey', 'create', '--tier', 'gold'], cliEnv(freshDataDir()));
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /gold/);
    assert.match(r.stderr, /free, pro, admin/);
    assert.doesNotMatch(r.stdout, /mbx_/);
  });

  it('serve stops at once on a bad setting, with one line naming it', async () => {
    const [port, url] = await Promise.all([
      mobius(['serve'], cliEnv(freshDataDir(), { MOBIUS_PORT: 'abc' })),
      mobius(['serve'], cliEnv(freshDataDir(), { DATABASE_URL: 'mysql://root:hunter2@db/x' })),
    ]);
    assert.equal(port.code, 1, show(port));
    assert.match(oneLine(port.stderr), /^Configuration error: MOBIUS_PORT /);
    assert.equal(url.code, 1, show(url));
    const line = oneLine(url.stderr);
    assert.match(line, /^Configuration error: DATABASE_URL /);
    assert.ok(!line.includes('hunter2'), line);
  });

  it('serve answers requests, shuts down cleanly on SIGTERM and leaves a sound database', async () => {
    const dataDir = freshDataDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = start(['serve'], cliEnv(dataDir, { MOBIUS_PORT: String(port), LOG_LEVEL: 'info' }));
    await waitForReady(base, server);

    const chat = await request(base, 'POST', '/v1/chat', { json: { user: 'cli-test', text: 'status' } });
    assert.equal(chat.status, 200, chat.text);
    assert.equal(chat.body.intent.name, 'get_status');

    // A second process on the same embedded database, while the server runs.
    const side = await mobius(['ask', 'help', '--user', 'telegram:9'], cliEnv(dataDir));
    assert.equal(side.code, 0, show(side));

    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await Promise.race([server.exited, sleep(5000).then(() => 'timeout' as const)]);
    assert.notEqual(exit, 'timeout', `serve did not exit within 5 s of SIGTERM\n${server.stdout()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
    assert.ok(Date.now() - stoppedAt < 5000);

    const records = server
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg?: string; level?: string });
    assert.ok(records.some((r) => r.msg?.startsWith('Möbius is listening on')), server.stdout());
    assert.ok(records.some((r) => r.msg === 'stopped cleanly' && r.level === 'info'), server.stdout());
    assert.ok(!records.some((r) => r.level === 'error' || r.level === 'fatal'), server.stdout());

    const db = new BetterSqlite3(path.join(dataDir, 'mobius.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const { n } = db.prepare('select count(*) as n from identities').get() as { n: number };
      assert.equal(n, 2, 'the API user and the CLI user were both stored');
    } finally {
      db.close();
    }
  });

  it('ask help runs against PostgreSQL when DATABASE_URL is set', { skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set: PostgreSQL case skipped' }, async () => {
    const schema = await createPostgresSchema(process.env.DATABASE_URL!);
    try {
      const dataDir = freshDataDir();
      const r = await mobius(['ask', 'help', '--user', 'telegram:77'], cliEnv(dataDir, { DATABASE_URL: schema.url, ENCRYPTION_KEY: 'cd'.repeat(32) }));
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /Ask me in plain words/);
      assert.equal(existsSync(path.join(dataDir, 'mobius.db')), false, 'SQLite was used instead');
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ platform: string; platform_user_id: string }>(
          `select platform, platform_user_id from ${schema.name}.identities`,
        );
        assert.deepEqual(rows, [{ platform: 'telegram', platform_user_id: '77' }]);
      } finally {
        await client.end();
      }
    } finally {
      await schema.drop();
    }
  });
});
