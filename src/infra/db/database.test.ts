import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { databaseCases } from '../../../test/helpers/databases.js';
import { DatabaseOpenError, dialectOf, openDatabase } from './database.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-open-'));
  dirs.push(dir);
  return dir;
}

describe('openDatabase on SQLite', () => {
  it('creates the parent directory and sets WAL, busy timeout, foreign keys and synchronous=NORMAL', async () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'mobius.db');
    const handle = await openDatabase({ sqlitePath: file });
    try {
      assert.ok(existsSync(file));
      const pragma = async (name: string) =>
        Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(handle.db)).rows[0] ?? {})[0];
      assert.equal(String(await pragma('journal_mode')).toLowerCase(), 'wal');
      assert.equal(Number(await pragma('foreign_keys')), 1);
      assert.ok(Number(await pragma('busy_timeout')) > 0);
      assert.equal(Number(await pragma('synchronous')), 1); // NORMAL
      assert.equal(handle.dialect, 'sqlite');
      assert.equal(dialectOf(handle.db), 'sqlite');
    } finally {
      await handle.close();
    }
  });

  it('fails with one line naming the file when it is not a database', async () => {
    const file = path.join(tempDir(), 'not-a.db');
    writeFileSync(file, 'this is not sqlite, just some text long enough to fill a header page '.repeat(20));
    await assert.rejects(openDatabase({ sqlitePath: file }), (err: unknown) => {
      assert.ok(err instanceof DatabaseOpenError);
      assert.match(err.message, /^Cannot open SQLite database at .*not-a\.db: /);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });
});

describe('openDatabase on PostgreSQL', () => {
  it('reports an unreachable server in one line without the password', async () => {
    const url = 'postgres://mobius:hunter2-secret@127.0.0.1:1/mobius';
    await assert.rejects(openDatabase({ databaseUrl: url, sqlitePath: '' }), (err: unknown) => {
      assert.ok(err instanceof DatabaseOpenError);
      assert.match(err.message, /^Cannot connect to PostgreSQL at postgres:\/\/mobius@127\.0\.0\.1:1\/mobius: \S/);
      assert.doesNotMatch(err.message, /hunter2/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  it('refuses a search path that is not a plain schema name', async () => {
    await assert.rejects(
      openDatabase({ databaseUrl: 'postgres://x@127.0.0.1:1/x', sqlitePath: '', searchPath: 'a; drop table users' }),
      DatabaseOpenError,
    );
  });
});

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    it('has a required health check that passes while open and fails once closed', async () => {
      const handle = await c.open();
      const signal = new AbortController().signal;
      assert.equal(handle.healthCheck.required, true);
      assert.equal(handle.dialect, c.name);
      assert.equal(dialectOf(handle.db), c.name);
      assert.deepEqual(await handle.healthCheck.check(signal), { dialect: c.name });
      await handle.close();
      await handle.close(); // twice is fine
      await assert.rejects(handle.healthCheck.check(signal));
    });
  });
}
