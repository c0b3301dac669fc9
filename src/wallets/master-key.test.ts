import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadMasterKey, MasterKeyError, parseMasterKey } from './master-key.js';

describe('master key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-kek-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once into a 0600 file and read back the same', () => {
    const keyFile = path.join(dir, 'one', 'master.key');
    const first = loadMasterKey({ keyFile, create: true });
    assert.equal(first.created, true);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const again = loadMasterKey({ keyFile, create: true });
    assert.equal(again.created, false);
    assert.equal(again.master.id, first.master.id);
    assert.equal(readFileSync(keyFile, 'utf8').trim().length, 64);
  });

  it('refuses a key file others can read, and a missing one when it may not create it', () => {
    const keyFile = path.join(dir, 'two', 'master.key');
    loadMasterKey({ keyFile, create: true });
    chmodSync(keyFile, 0o644);
    assert.throws(() => loadMasterKey({ keyFile, create: false }), /chmod 600/);
    assert.throws(() => loadMasterKey({ keyFile: path.join(dir, 'none', 'master.key'), create: false }), MasterKeyError);
  });

  it('takes ENCRYPTION_KEY as hex or base64 of 32 bytes, and explains anything else', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(parseMasterKey(hex).key.toString('hex'), hex);
    assert.equal(parseMasterKey(Buffer.from(hex, 'hex').toString('base64')).id, parseMasterKey(hex).id);
    assert.throws(() => parseMasterKey('too-short'), /openssl rand -hex 32/);
    const fromEnv = loadMasterKey({ encryptionKey: hex, keyFile: path.join(dir, 'unused.key'), create: true });
    assert.equal(fromEnv.created, false, 'no key file is written when the key comes from the environment');
  });
});
