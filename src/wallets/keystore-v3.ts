import { createDecipheriv, pbkdf2, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { scryptAsync as nobleScrypt } from '@noble/hashes/scrypt';
import { keccak_256 } from '@noble/hashes/sha3';
import { UserError } from '../core/errors.js';

/**
 * Reads an Ethereum keystore v3 JSON (what geth, MetaMask and most wallets export) with its
 * password. The KDF parameters come from the file, i.e. from whoever made it: they are capped so a
 * crafted file cannot make the server spend gigabytes of memory or minutes of CPU. There is no
 * floor: a weakly protected file is still the person's key, and once imported it is sealed by our
 * own keystore, whose strength does not depend on the file's.
 */
export const KDF_CAPS = {
  /** scrypt memory is 128·N·r bytes: at most 256 MiB (geth's standard N=2^18, r=8 needs exactly that). */
  scryptMaxMemoryBytes: 256 * 1024 * 1024,
  /** scrypt work N·r·p: at most geth's standard 2^21 (the spec's own vector, N=2^18 r=1 p=8, fits). */
  scryptMaxWork: 2 ** 21,
  pbkdf2MaxIterations: 10_000_000,
} as const;

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

interface KeystoreV3 {
  version: 3;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: 'scrypt' | 'pbkdf2';
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

function bad(message: string): never {
  throw new UserError('bad_input', `That keystore file cannot be used: ${message}.`);
}

function hex(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^(0x)?[0-9a-fA-F]*$/.test(value) || value.replace(/^0x/, '').length % 2 !== 0) bad(`${what} is not hex`);
  return Buffer.from(value.replace(/^0x/, ''), 'hex');
}

function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) bad(`${what} must be a positive integer`);
  return value;
}

/** The private key (32 bytes) inside a keystore v3 file; the caller wipes it. */
export async function decryptKeystoreV3(json: string, password: string): Promise<Buffer> {
  let file: KeystoreV3;
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    // Old geth files spell it "Crypto".
    file = { ...(parsed as unknown as KeystoreV3), crypto: (parsed.crypto ?? parsed.Crypto) as KeystoreV3['crypto'] };
  } catch {
    bad('it is not JSON');
  }
  if (file.version !== 3 || !file.crypto) bad('it is not a version 3 keystore');
  const c = file.crypto;
  if (c.cipher !== 'aes-128-ctr') bad(`cipher ${String(c.cipher)} is not supported (aes-128-ctr is)`);
  const p = c.kdfparams ?? {};
  const salt = hex(p.salt, 'the salt');
  const dklen = int(p.dklen, 'dklen');
  if (dklen !== 32) bad('dklen must be 32');
  const secret = Buffer.from(password.normalize('NFKC'), 'utf8');
  let derived: Buffer;
  if (c.kdf === 'scrypt') {
    const N = int(p.n, 'scrypt n');
    const r = int(p.r, 'scrypt r');
    const pp = int(p.p, 'scrypt p');
    if ((N & (N - 1)) !== 0 || N < 2) bad(`its scrypt n=${N} is not a power of two`);
    if (128 * N * r > KDF_CAPS.scryptMaxMemoryBytes || N * r * pp > KDF_CAPS.scryptMaxWork) bad(`its scrypt cost (n=${N}, r=${r}, p=${pp}) is above what this server accepts (128·n·r ≤ 256 MiB and n·r·p ≤ 2^21)`);
    // OpenSSL (Node's scrypt) enforces RFC 7914's N < 2^(16·r), which real files break (the spec's
    // own vector has N=2^18 with r=1): those go through @noble/hashes' scrypt instead, slower but exact.
    derived =
      N < 2 ** (16 * r)
        ? await scryptAsync(secret, salt, dklen, { N, r, p: pp, maxmem: 128 * N * r * pp + 32 * 1024 * 1024 })
        : Buffer.from(await nobleScrypt(secret, salt, { N, r, p: pp, dkLen: dklen, maxmem: 128 * N * r * pp + 32 * 1024 * 1024 }));
  } else if (c.kdf === 'pbkdf2') {
    const iterations = int(p.c, 'pbkdf2 c');
    if (p.prf !== 'hmac-sha256') bad('pbkdf2 must use hmac-sha256');
    if (iterations > KDF_CAPS.pbkdf2MaxIterations) bad(`its ${iterations} pbkdf2 iterations are above the server's limit`);
    derived = await pbkdf2Async(secret, salt, iterations, dklen, 'sha256');
  } else {
    bad(`kdf ${String(c.kdf)} is not supported (scrypt or pbkdf2 are)`);
  }
  secret.fill(0);
  try {
    const ciphertext = hex(c.ciphertext, 'the ciphertext');
    const mac = Buffer.from(keccak_256(Buffer.concat([derived.subarray(16, 32), ciphertext])));
    if (!mac.equals(hex(c.mac, 'the mac'))) throw new UserError('bad_input', 'That password does not open this keystore file.');
    const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), hex(c.cipherparams?.iv, 'the iv'));
    const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    if (key.length !== 32) bad('it does not hold a 32-byte private key');
    return key;
  } finally {
    derived.fill(0);
  }
}
