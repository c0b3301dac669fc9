import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(root, 'bin', 'mobius');
const COMMAND_TIMEOUT_MS = 30_000;
const dirs: string[] = [];

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A SQLite data directory of its own, no chains (these commands need none), from the sources. */
function sqliteEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-sec-cli-'));
  dirs.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('MOBIUS_') || key === 'DATABASE_URL' || key === 'LOG_LEVEL' || key === 'CHAINS') delete env[key];
  }
  return { ...env, MOBIUS_DATA_DIR: dir, MOBIUS_FROM_SOURCE: '1', CHAINS: 'none' };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mobius(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const show = (r: Ran) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function withDb<T>(env: NodeJS.ProcessEnv, fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path.join(env.MOBIUS_DATA_DIR!, 'mobius.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('bin/mobius security commands', { concurrency: 2 }, () => {
  it('creates a key with the scopes asked for, lists them, and refuses admin below the admin tier', async () => {
    const env = sqliteEnv();
    const created = await mobius(['apikey', 'create', '--tier', 'free', '--scopes', 'chat, market', '--json'], env);
    assert.equal(created.code, 0, show(created));
    const key = JSON.parse(created.stdout) as { id: string; scopes: string[] };
    assert.deepEqual(key.scopes, ['chat', 'market']);
    const listed = await mobius(['apikey', 'list'], env);
    assert.match(listed.stdout, new RegExp(`^${key.id}\\s+free\\s+active\\s+chat,market$`, 'm'));
    const refused = await mobius(['apikey', 'create', '--tier', 'pro', '--scopes', 'admin'], env);
    assert.notEqual(refused.code, 0, show(refused));
    assert.match(refused.stderr, /admin scope is only for admin-tier keys/);
    assert.doesNotMatch(refused.stdout, /mbx_/);
    const audited = withDb(env, (db) => db.prepare("select data from audit_log where action = 'apikey.created'").all() as Array<{ data: string }>);
    assert.deepEqual(JSON.parse(audited[0]!.data).scopes, ['chat', 'market']);
  });

  it('audit verify: counts an intact chain, and exits non-zero at an edited or deleted entry', async () => {
    const env = sqliteEnv();
    for (let i = 0; i < 4; i++) assert.equal((await mobius(['apikey', 'create', '--tier', 'free', '--json'], env)).code, 0);
    const intact = await mobius(['audit', 'verify'], env);
    assert.equal(intact.code, 0, show(intact));
    assert.equal(intact.stdout.trim(), 'The audit log is intact: 4 entries verified.');

    const original = withDb(env, (db) => {
      const row = db.prepare('select data from audit_log where seq = 2').get() as { data: string };
      db.prepare('update audit_log set data = ? where seq = 2').run(row.data.replace('"free"', '"admin"'));
      return row.data;
    });
    const edited = await mobius(['audit', 'verify'], env);
    assert.notEqual(edited.code, 0, show(edited));
    assert.match(edited.stdout, /BROKEN at seq 2\b.*\(1 entry before it verified\)/);

    withDb(env, (db) => {
      db.prepare('update audit_log set data = ? where seq = 2').run(original);
      db.prepare('delete from audit_log where seq = 3').run();
    });
    const deleted = await mobius(['audit', 'verify'], env);
    assert.notEqual(deleted.code, 0, show(deleted));
    assert.match(deleted.stdout, /BROKEN at seq 4\b/);
  });

  it('user export and delete: all their data as JSON, then erased with a tombstone', async () => {
    const env = sqliteEnv();
    const asked = await mobius(['ask', '--user', 'telegram:42', 'help'], env);
    assert.equal(asked.code, 0, show(asked));
    const userId = withDb(env, (db) => {
      const row = db.prepare("select user_id from identities where platform = 'telegram' and platform_user_id = '42'").get() as { user_id: string };
      const at = new Date().toISOString();
      db.prepare("insert into messages (id, user_id, platform, role, text, created_at) values ('msg_1', ?, 'telegram', 'user', 'hello there', ?)").run(row.user_id, at);
      db.prepare("insert into preferences (user_id, key, value, updated_at) values (?, 'fiat', '\"eur\"', ?)").run(row.user_id, at);
      return row.user_id;
    });

    const exported = await mobius(['user', 'export', 'telegram:42'], env);
    assert.equal(exported.code, 0, show(exported));
    const data = JSON.parse(exported.stdout) as { user: { id: string }; identities: unknown[]; messages: Array<{ text: string }>; preferences: unknown[] };
    assert.equal(data.user.id, userId);
    assert.deepEqual(data.identities.length, 1);
    assert.deepEqual(data.messages.map((m) => m.text), ['hello there']);

    const file = path.join(env.MOBIUS_DATA_DIR!, 'export.json');
    const toFile = await mobius(['user', 'export', userId, '--out', file], env);
    assert.equal(toFile.code, 0, show(toFile));
    assert.equal(toFile.stdout, '');
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { user: { id: string } }).user.id, userId);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const declined = await mobius(['user', 'delete', 'telegram:42'], env, 'n\n');
    assert.notEqual(declined.code, 0, show(declined));
    assert.match(declined.stdout, /Nothing deleted/);
    assert.equal(withDb(env, (db) => (db.prepare('select count(*) as n from users where id = ?').get(userId) as { n: number }).n), 1);

    const confirmed = await mobius(['user', 'delete', 'telegram:42'], env, 'yes\n');
    assert.equal(confirmed.code, 0, show(confirmed));
    assert.match(confirmed.stdout, new RegExp(`Deleted ${userId}: .*1 messages.*1 preferences.*1 identities`));
    withDb(env, (db) => {
      assert.equal((db.prepare('select count(*) as n from users where id = ?').get(userId) as { n: number }).n, 0);
      assert.equal((db.prepare('select count(*) as n from messages').get() as { n: number }).n, 0);
      const actions = (db.prepare('select action, subject, data from audit_log order by seq').all() as Array<{ action: string; subject: string; data: string }>);
      assert.deepEqual(actions.map((a) => a.action), ['user.exported', 'user.exported', 'user.deleted']);
      assert.equal(actions[2]!.subject, userId);
      assert.ok(!actions[2]!.data.includes('hello there') && !actions[2]!.data.includes('telegram:42'));
    });
    const gone = await mobius(['user', 'export', 'telegram:42'], env);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No user is known as telegram:42/);
    const verified = await mobius(['audit', 'verify'], env);
    assert.equal(verified.code, 0, show(verified));
  });

  it('retention run removes old messages once and says how many', async () => {
    const env = sqliteEnv();
    assert.equal((await mobius(['migrate'], env)).code, 0);
    withDb(env, (db) => {
      db.prepare("insert into users (id, tier, created_at) values ('usr_old', 'free', '2020-01-01T00:00:00.000Z')").run();
      db.prepare("insert into messages (id, user_id, platform, role, text, created_at) values ('m1', 'usr_old', 'cli', 'user', 'x', '2020-01-01T00:00:00.000Z')").run();
      db.prepare("insert into messages (id, user_id, platform, role, text, created_at) values ('m2', 'usr_old', 'cli', 'user', 'y', ?)").run(new Date().toISOString());
    });
    const ran = await mobius(['retention', 'run'], { ...env, MOBIUS_RETENTION_DAYS: '7' });
    assert.equal(ran.code, 0, show(ran));
    assert.match(ran.stdout, /^Removed 1 messages, 0 notifications, 0 expired link codes and 0 expired pending actions \(retention 7 days\)\./);
    assert.equal(withDb(env, (db) => (db.prepare('select count(*) as n from messages').get() as { n: number }).n), 1);
  });
});
