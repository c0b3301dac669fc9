import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3';
import { UserError } from '../core/errors.js';
import { KEYSTORE_KEY, KEYSTORE_PASSWORD, PBKDF2_KEYSTORE, SCRYPT_KEYSTORE } from '../../test/fixtures/keystore-v3.js';
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

describe('keystore v3 import', () => {
  it('opens the specification\'s scrypt and pbkdf2 vectors', async () => {
    assert.equal((await decryptKeystoreV3(JSON.stringify(SCRYPT_KEYSTORE), KEYSTORE_PASSWORD)).toString('hex'), KEYSTORE_KEY);
    assert.equal((await decryptKeystoreV3(JSON.stringify(PBKDF2_KEYSTORE), KEYSTORE_PASSWORD)).toString('hex'), KEYSTORE_KEY);
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
    await assert.rejects(decryptKeystoreV3(JSON.stringify(PBKDF2_KEYSTORE), 'nope'), (err: unknown) => err instanceof UserError && /password does not open/.test(err.message));
  });

  it('refuses KDF costs that would exhaust the server, before doing any work', async () => {
    const heavy = structuredClone(SCRYPT_KEYSTORE);
    heavy.crypto.kdfparams.n = 2 ** 22;
    await assert.rejects(decryptKeystoreV3(JSON.stringify(heavy), KEYSTORE_PASSWORD), /above what this server accepts/);
    const slow = structuredClone(PBKDF2_KEYSTORE);
    slow.crypto.kdfparams.c = 1e9;
    await assert.rejects(decryptKeystoreV3(JSON.stringify(slow), KEYSTORE_PASSWORD), /above the server's limit/);
  });

  it('explains files it cannot read', async () => {
    await assert.rejects(decryptKeystoreV3('not json', 'x'), /not JSON/);
    await assert.rejects(decryptKeystoreV3(JSON.stringify({ version: 1 }), 'x'), /not a version 3 keystore/);
    const cbc = structuredClone(SCRYPT_KEYSTORE);
    cbc.crypto.cipher = 'aes-128-cbc';
    await assert.rejects(decryptKeystoreV3(JSON.stringify(cbc), 'x'), /aes-128-ctr is/);
  });
});
