import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3';
import { UserError } from '../core/errors.js';
import { decryptKeystoreV3, KDF_CAPS } from './keystore-v3.js';

/** A keystore v3 file made here, the way geth makes one, with the KDF settings under test. */
function keystoreFile(key: Buffer, password: string, kdf: { kdf: 'scrypt'; n: number; r: number; p: number } | { kdf: 'pbkdf2'; c: number }): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived =
    kdf.kdf === 'scrypt'
      ? scryptSync(password, salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 2 * 128 * kdf.n * kdf.r })
      : pbkdf2Sync(password, salt, kdf.c, 32, 'sha256');
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  const mac = Buffer.from(keccak_256(Buffer.concat([derived.subarray(16, 32), ciphertext]))).toString('hex');
  const kdfparams =
    kdf.kdf === 'scrypt' ? { dklen: 32, n: kdf.n, r: kdf.r, p: kdf.p, salt: salt.toString('hex') } : { dklen: 32, c: kdf.c, prf: 'hmac-sha256', salt: salt.toString('hex') };
  return JSON.stringify({ version: 3, id: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff', crypto: { cipher: 'aes-128-ctr', cipherparams: { iv: iv.toString('hex') }, ciphertext: ciphertext.toString('hex'), kdf: kdf.kdf, kdfparams, mac } });
}

/** OWASP Password Storage Cheat Sheet minimums: scrypt N=2^17, r=8, p=1; PBKDF2-HMAC-SHA256 600,000 iterations. */
const OWASP = { scrypt: { n: 2 ** 17, r: 8, p: 1 }, pbkdf2Sha256Iterations: 600_000 };

// The Web3 Secret Storage definition's own test vectors (password "testpassword").
const KEY = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const scryptFile = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const pbkdf2File = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

describe('keystore v3 import', () => {
  it('opens the specification\'s scrypt and pbkdf2 vectors', async () => {
    assert.equal((await decryptKeystoreV3(JSON.stringify(scryptFile), 'testpassword')).toString('hex'), KEY);
    assert.equal((await decryptKeystoreV3(JSON.stringify(pbkdf2File), 'testpassword')).toString('hex'), KEY);
  });

  it("accepts files protected at or above OWASP's current minimums", async () => {
    assert.ok(128 * OWASP.scrypt.n * OWASP.scrypt.r <= KDF_CAPS.scryptMaxMemoryBytes);
    assert.ok(OWASP.scrypt.n * OWASP.scrypt.r * OWASP.scrypt.p <= KDF_CAPS.scryptMaxWork);
    assert.ok(OWASP.pbkdf2Sha256Iterations <= KDF_CAPS.pbkdf2MaxIterations);
    const key = randomBytes(32);
    const scryptKeystore = keystoreFile(key, 'correct horse', { kdf: 'scrypt', ...OWASP.scrypt });
    assert.deepEqual(await decryptKeystoreV3(scryptKeystore, 'correct horse'), key);
    const pbkdf2Keystore = keystoreFile(key, 'correct horse', { kdf: 'pbkdf2', c: OWASP.pbkdf2Sha256Iterations });
    assert.deepEqual(await decryptKeystoreV3(pbkdf2Keystore, 'correct horse'), key);
  });

  it('says so when the password is wrong', async () => {
    await assert.rejects(decryptKeystoreV3(JSON.stringify(pbkdf2File), 'nope'), (err: unknown) => err instanceof UserError && /password does not open/.test(err.message));
  });

  it('refuses KDF costs that would exhaust the server, before doing any work', async () => {
    const heavy = structuredClone(scryptFile);
    heavy.crypto.kdfparams.n = 2 ** 22;
    await assert.rejects(decryptKeystoreV3(JSON.stringify(heavy), 'testpassword'), /above what this server accepts/);
    const slow = structuredClone(pbkdf2File);
    slow.crypto.kdfparams.c = 1e9;
    await assert.rejects(decryptKeystoreV3(JSON.stringify(slow), 'testpassword'), /above the server's limit/);
  });

  it('explains files it cannot read', async () => {
    await assert.rejects(decryptKeystoreV3('not json', 'x'), /not JSON/);
    await assert.rejects(decryptKeystoreV3(JSON.stringify({ version: 1 }), 'x'), /not a version 3 keystore/);
    const cbc = structuredClone(scryptFile);
    cbc.crypto.cipher = 'aes-128-cbc';
    await assert.rejects(decryptKeystoreV3(JSON.stringify(cbc), 'x'), /aes-128-ctr is/);
  });
});
