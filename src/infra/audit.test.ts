import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { AuditLog, canonicalJson, GENESIS_HASH, sanitizeAuditData } from './audit.js';

describe('sanitizeAuditData', () => {
  it('drops secret-looking keys at any depth, whatever their case or spelling', () => {
    const out = sanitizeAuditData({
      privateKey: 'x',
      PRIVATE_KEY: 'x',
      nested: { deeper: [{ Mnemonic: 'x', seed: 'x', keep: 1 }], Password: 'x', passphrase: 'x' },
      secret: 'x',
      clientSecret: 'x',
      token: 'x',
      accessToken: 'x',
      apiKey: 'x',
      'api-key': 'x',
      Authorization: 'x',
      keystore: 'x',
      // Names that merely contain "token" are facts a swap audit needs.
      tokenIn: 'USDC',
      fromToken: 'WETH',
      tokens: ['DAI'],
    });
    assert.deepEqual(out, { nested: { deeper: [{ keep: 1 }] }, tokenIn: 'USDC', fromToken: 'WETH', tokens: ['DAI'] });
  });

  it('keeps transaction hashes, which look like private keys but are public', () => {
    const hash = `0x${'ab'.repeat(32)}`;
    assert.deepEqual(sanitizeAuditData({ txHash: hash, memo: hash }), { txHash: hash, memo: '[REDACTED]' });
  });

  it('scrubs secrets hiding in string values and writes bigints as decimal strings', () => {
    const key = `0x${'ab'.repeat(32)}`;
    const out = sanitizeAuditData({ note: `user pasted ${key}`, amount: 123456789012345678901234567890n, list: [1n] });
    assert.deepEqual(out, { note: 'user pasted [REDACTED]', amount: '123456789012345678901234567890', list: ['1'] });
  });

  it('gives the same canonical text whatever the key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });
});

/** A second process: opens the same database and appends concurrently. */
const CHILD_APPENDS = `
  const { openDatabase } = await import(${JSON.stringify(new URL('./db/database.ts', import.meta.url).href)});
  const { AuditLog } = await import(${JSON.stringify(new URL('./audit.ts', import.meta.url).href)});
  const handle = await openDatabase(JSON.parse(process.env.OPEN_OPTIONS));
  const audit = new AuditLog(handle.db, handle.dialect);
  await Promise.all(Array.from({ length: Number(process.env.APPENDS) }, (_, i) => audit.append({ actor: 'child', action: 'test', data: { i } })));
  await handle.close();
`;

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let audit: AuditLog;
    before(async () => {
      handle = await c.open({ migrated: true });
      audit = new AuditLog(handle.db, handle.dialect);
    });
    after(() => handle?.close());

    async function clear(): Promise<void> {
      await handle.db.deleteFrom('audit_log').execute();
    }

    it('chains entries from 64 zeros and verifies', async () => {
      await clear();
      assert.deepEqual(await audit.verify(), { ok: true, count: 0 });
      const first = await audit.append({ actor: 'cli', action: 'apikey.created', subject: 'key_1', data: { tier: 'pro' } });
      const second = await audit.append({ actor: 'telegram:1', action: 'wallet.created' });
      assert.equal(first.prevHash, GENESIS_HASH);
      assert.equal(second.prevHash, first.hash);
      assert.ok(second.seq > first.seq);
      assert.equal(second.subject, null);
      assert.deepEqual(second.data, {});
      assert.deepEqual(await audit.verify(), { ok: true, count: 2 });
    });

    it('stores data without secrets and with bigints as strings', async () => {
      await clear();
      const entry = await audit.append({ actor: 'web:1', action: 'wallet.imported', data: { privateKey: 'f'.repeat(64), amount: 10n ** 30n } });
      const row = await handle.db.selectFrom('audit_log').select('data').where('seq', '=', entry.seq).executeTakeFirstOrThrow();
      assert.doesNotMatch(row.data, /privateKey|ffff/);
      assert.deepEqual(JSON.parse(row.data), { amount: (10n ** 30n).toString() });
    });

    it('detects an edited entry', async () => {
      await clear();
      const entries = [];
      for (let i = 0; i < 5; i++) entries.push(await audit.append({ actor: 'cli', action: 'test', data: { i } }));
      const target = entries[2]!;
      await handle.db.updateTable('audit_log').set({ data: '{"i":99}' }).where('seq', '=', target.seq).execute();
      assert.deepEqual(await audit.verify(), { ok: false, count: 2, brokenAt: target.seq });
    });

    it('detects a deleted entry in the middle', async () => {
      await clear();
      const entries = [];
      for (let i = 0; i < 5; i++) entries.push(await audit.append({ actor: 'cli', action: 'test', data: { i } }));
      await handle.db.deleteFrom('audit_log').where('seq', '=', entries[2]!.seq).execute();
      assert.deepEqual(await audit.verify(), { ok: false, count: 2, brokenAt: entries[3]!.seq });
    });

    it('detects a deleted first entry', async () => {
      await clear();
      const first = await audit.append({ actor: 'cli', action: 'a' });
      const second = await audit.append({ actor: 'cli', action: 'b' });
      await handle.db.deleteFrom('audit_log').where('seq', '=', first.seq).execute();
      assert.deepEqual(await audit.verify(), { ok: false, count: 0, brokenAt: second.seq });
    });

    it('keeps one chain under 50 concurrent appends', async () => {
      await clear();
      const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => audit.append({ actor: 'load', action: 'test', data: { i } })));
      assert.equal(new Set(appended.map((e) => e.seq)).size, 50);
      assert.deepEqual(await audit.verify(), { ok: true, count: 50 });
    });

    it('keeps one chain while another process appends at the same time', { timeout: 60_000 }, async () => {
      await clear();
      // The child shares no in-process queue with us: only the database lock keeps the chain whole.
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD_APPENDS], {
        env: { ...process.env, OPEN_OPTIONS: JSON.stringify(handle.openOptions), APPENDS: '30' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      let done = false;
      void exited.then(() => (done = true));
      let ours = 0;
      while (!done) {
        await Promise.all(Array.from({ length: 5 }, () => audit.append({ actor: 'parent', action: 'test' })));
        ours += 5;
        // better-sqlite3 answers through microtasks only; without this the child's exit event never gets a turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(await exited, 0, stderr);
      const fromChild = await handle.db.selectFrom('audit_log').select('seq').where('actor', '=', 'child').execute();
      assert.equal(fromChild.length, 30);
      assert.deepEqual(await audit.verify(), { ok: true, count: ours + 30 });
    });

    it('verifies across batch boundaries', async () => {
      await clear();
      for (let i = 0; i < 1100; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => audit.append({ actor: 'bulk', action: 'test', data: { n: i + j } })));
      }
      assert.deepEqual(await audit.verify(), { ok: true, count: 1100 });
    });
  });
}
