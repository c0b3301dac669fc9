import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { privateKeyToAccount } from 'viem/accounts';
import { createApp, masterKeySettings, type App } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { finishKeyFileRotation, fromColumns, loadMasterKeys, prepareNextKeyFile, rotateWalletKeys, toColumns } from '../../src/wallets/key-vault.js';
import { Keystore } from '../../src/wallets/keystore.js';
import { createPostgresSchema } from '../helpers/app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const open = (dataDir: string, env: Record<string, string> = {}) =>
  createApp(loadConfig({ MOBIUS_DATA_DIR: dataDir, CHAINS: 'none', LOG_LEVEL: 'silent', ...env }), { defaultMetrics: false });

/** Wallet rows as the wallet service will write them: sealed keys of real accounts. */
async function addWallets(app: App, count: number): Promise<Array<{ id: string; userId: string; address: string; key: Buffer }>> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const userId = `u${i}-${randomBytes(3).toString('hex')}`;
    const key = randomBytes(32);
    const address = privateKeyToAccount(`0x${key.toString('hex')}`).address;
    await app.database.db.insertInto('users').values({ id: userId, tier: 'free', created_at: new Date().toISOString() }).execute();
    const id = `w-${userId}`;
    await app.database.db
      .insertInto('wallets')
      .values({ id, user_id: userId, name: 'main', address, kind: 'local', derivation_path: null, active: 1, ...toColumns(app.keystore!.seal(key, { userId, address })), created_at: new Date().toISOString() })
      .execute();
    out.push({ id, userId, address, key });
  }
  return out;
}

async function everyRowOpens(app: App, keystore: Keystore, wallets: Awaited<ReturnType<typeof addWallets>>): Promise<void> {
  for (const w of wallets) {
    const row = await app.database.db.selectFrom('wallets').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow();
    const opened = await keystore.withSecret(fromColumns(row as never), { userId: w.userId, address: w.address }, (s) => Buffer.from(s));
    assert.deepEqual(opened, w.key, w.id);
  }
}

describe('the keystore in a running instance', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mobius-keys-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('generates a private master key on first start, and refuses to start with another one', async () => {
    const dir = fresh();
    const app = await open(dir);
    await app.close();
    const keyFile = path.join(dir, 'master.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    await (await open(dir)).close();
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    await assert.rejects(open(dir), (err: unknown) => err instanceof ConfigError && /ENCRYPTION_KEY .*does not match this database/.test(err.message));
  });

  it('never writes a private key to the database file in the clear', async () => {
    const dir = fresh();
    const app = await open(dir);
    const wallets = await addWallets(app, 3);
    await app.close();
    const files = readdirSync(dir).filter((f) => f.startsWith('mobius.db'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(dir, f))));
    for (const w of wallets) {
      assert.ok(!bytes.includes(w.key), 'raw key bytes');
      assert.ok(!bytes.includes(Buffer.from(w.key.toString('hex'))), 'hex key');
      assert.ok(!bytes.includes(Buffer.from(w.key.toString('base64'))), 'base64 key');
    }
  });

  it('rotates the master key: killed half-way, still starts and opens every row; re-run finishes', async () => {
    const dir = fresh();
    let app = await open(dir);
    const wallets = await addWallets(app, 5);
    const settings = masterKeySettings(app.config);
    const old = loadMasterKeys(settings).current;
    const next = prepareNextKeyFile(settings.keyFile);
    const partial = await rotateWalletKeys(app.database.db, { current: old, next }, { stopAfter: 2 });
    assert.deepEqual([partial.rewrapped, partial.remaining, partial.finished], [2, 3, false]);
    await app.close();

    // A start-up in the middle of the rotation loads both keys.
    app = await open(dir);
    await everyRowOpens(app, app.keystore!, wallets);
    const done = await rotateWalletKeys(app.database.db, { current: old, next });
    assert.deepEqual([done.rewrapped, done.remaining, done.finished], [3, 0, true]);
    await app.close();
    finishKeyFileRotation(settings.keyFile, old);

    app = await open(dir);
    assert.equal(app.keystore!.keyId, next.id);
    await everyRowOpens(app, new Keystore(next), wallets);
    const canary = await app.database.db.selectFrom('keystore_meta').select('key_id').executeTakeFirstOrThrow();
    assert.equal(canary.key_id, next.id);
    await app.close();
  });

  it('rotates through the command line, audited', async () => {
    const dir = fresh();
    const app = await open(dir);
    const wallets = await addWallets(app, 2);
    await app.close();
    const { DATABASE_URL: _unused, ...env } = process.env;
    const run = spawnSync(process.execPath, ['bin/mobius', 'keys', 'rotate'], { cwd: root, env: { ...env, MOBIUS_DATA_DIR: dir, CHAINS: 'none', LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Re-wrapped 2 wallet keys/);
    assert.ok(readdirSync(dir).some((f) => f.startsWith('master.key.retired-')));
    assert.ok(!existsSync(path.join(dir, 'master.key.next')));
    const after = await open(dir);
    await everyRowOpens(after, after.keystore!, wallets);
    const audit = await after.database.db.selectFrom('audit_log').select('action').where('action', '=', 'keys.rotated').execute();
    assert.equal(audit.length, 1);
    await after.close();
  });

  it('requires ENCRYPTION_KEY in scaled mode and refuses a different one', { skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set: PostgreSQL case skipped' }, async () => {
    const schema = await createPostgresSchema(process.env.DATABASE_URL!);
    try {
      const env = { DATABASE_URL: schema.url };
      await assert.rejects(open(fresh(), env), (err: unknown) => err instanceof ConfigError && /openssl rand -hex 32/.test(err.message));
      const key = randomBytes(32).toString('hex');
      await (await open(fresh(), { ...env, ENCRYPTION_KEY: key })).close();
      await (await open(fresh(), { ...env, ENCRYPTION_KEY: key })).close();
      await assert.rejects(open(fresh(), { ...env, ENCRYPTION_KEY: randomBytes(32).toString('hex') }), /does not match this database/);
    } finally {
      await schema.drop();
    }
  });
});
