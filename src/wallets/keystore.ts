import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from './master-key.js';

/**
 * A secret sealed for storage (a wallet's private key). Envelope encryption: the secret is
 * encrypted with a fresh random data key (DEK), and the DEK is wrapped by the master key. Both use
 * AES-256-GCM with a 96-bit random nonce; each ciphertext ends with its 16-byte tag.
 */
export interface SealedSecret {
  version: 1;
  /** Which master key wrapped the data key. */
  keyId: string;
  wrappedDek: Buffer;
  dekNonce: Buffer;
  ciphertext: Buffer;
  nonce: Buffer;
}

/** Whose secret it is: bound into the associated data, so a row copied elsewhere fails to open. */
export interface SecretOwner {
  userId: string;
  /** The wallet's address (any case). */
  address: string;
}

/** A sealed secret that did not open: wrong master key, tampered bytes, or another owner's row. */
export class KeystoreError extends Error {
  override name = 'KeystoreError';
}

const VERSION = 1;
const TAG_BYTES = 16;

function associatedData(kind: 'dek' | 'secret', keyId: string, owner: SecretOwner): Buffer {
  // Version, key id, user and address: change any of them and the tag no longer verifies.
  return Buffer.from(`mobius:${kind}:v${VERSION}:${keyId}:${owner.userId}:${owner.address.toLowerCase()}`, 'utf8');
}

function encrypt(key: Buffer, plaintext: Uint8Array, aad: Buffer): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

function decrypt(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (nonce.length !== 12 || sealed.length < TAG_BYTES) throw new KeystoreError('the sealed key is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new KeystoreError('the sealed key does not open: wrong master key, or the record was altered or moved');
  }
}

/**
 * Seals and opens secrets under the current master key; during a rotation, also opens what older
 * master keys sealed (by key id) so `rewrap` can move it to the current one. Plaintext exists only
 * inside `withSecret`, and its buffer is zeroed when the callback returns.
 */
export class Keystore {
  readonly #current: MasterKey;
  readonly #byId: Map<string, MasterKey>;

  constructor(current: MasterKey, older: readonly MasterKey[] = []) {
    this.#current = current;
    this.#byId = new Map([...older, current].map((k) => [k.id, k]));
  }

  get keyId(): string {
    return this.#current.id;
  }

  seal(secret: Uint8Array, owner: SecretOwner): SealedSecret {
    const dek = randomBytes(32);
    try {
      const wrapped = encrypt(this.#current.key, dek, associatedData('dek', this.#current.id, owner));
      const body = encrypt(dek, secret, associatedData('secret', this.#current.id, owner));
      return { version: VERSION, keyId: this.#current.id, wrappedDek: wrapped.sealed, dekNonce: wrapped.nonce, ciphertext: body.sealed, nonce: body.nonce };
    } finally {
      dek.fill(0);
    }
  }

  /** Runs `fn` with the plaintext, then wipes it, whatever `fn` does. */
  async withSecret<T>(sealed: SealedSecret, owner: SecretOwner, fn: (secret: Buffer) => Promise<T> | T): Promise<T> {
    const secret = this.#open(sealed, owner);
    try {
      return await fn(secret);
    } finally {
      secret.fill(0);
    }
  }

  /** The same secret, its data key re-wrapped under the current master key (rotation). */
  rewrap(sealed: SealedSecret, owner: SecretOwner): SealedSecret {
    if (sealed.keyId === this.#current.id) return sealed;
    const dek = this.#openDek(sealed, owner);
    try {
      // The secret itself is checked before anything is written back: a row that does not open is
      // reported, never re-wrapped into something that will not open either.
      const secret = decrypt(dek, sealed.nonce, sealed.ciphertext, associatedData('secret', sealed.keyId, owner));
      try {
        const body = encrypt(dek, secret, associatedData('secret', this.#current.id, owner));
        const wrapped = encrypt(this.#current.key, dek, associatedData('dek', this.#current.id, owner));
        return { version: VERSION, keyId: this.#current.id, wrappedDek: wrapped.sealed, dekNonce: wrapped.nonce, ciphertext: body.sealed, nonce: body.nonce };
      } finally {
        secret.fill(0);
      }
    } finally {
      dek.fill(0);
    }
  }

  #open(sealed: SealedSecret, owner: SecretOwner): Buffer {
    const dek = this.#openDek(sealed, owner);
    try {
      return decrypt(dek, sealed.nonce, sealed.ciphertext, associatedData('secret', sealed.keyId, owner));
    } finally {
      dek.fill(0);
    }
  }

  #openDek(sealed: SealedSecret, owner: SecretOwner): Buffer {
    if (sealed.version !== VERSION) throw new KeystoreError(`unknown sealed key version ${String(sealed.version)}`);
    const master = this.#byId.get(sealed.keyId);
    if (!master) throw new KeystoreError(`the sealed key was made with master key ${sealed.keyId}, which is not loaded`);
    return decrypt(master.key, sealed.dekNonce, sealed.wrappedDek, associatedData('dek', sealed.keyId, owner));
  }
}

/** The canary's owner: a record no user can have, checked at start-up. */
export const CANARY_OWNER: SecretOwner = { userId: 'mobius:canary', address: '0x0000000000000000000000000000000000000000' };
export const CANARY_TEXT = 'mobius master key canary';

/**
 * Whether the loaded master key is the one the database was sealed with: the canary opens and
 * reads back its known text. A wrong key must stop start-up, never decrypt garbage.
 */
export async function checkCanary(keystore: Keystore, canary: SealedSecret): Promise<void> {
  const text = await keystore.withSecret(canary, CANARY_OWNER, (secret) => secret.toString('utf8')).catch((err: unknown) => {
    throw new KeystoreError(`the master key does not match this database (its canary does not open: ${(err as Error).message}); set the ENCRYPTION_KEY or key file it was created with`);
  });
  if (text !== CANARY_TEXT) throw new KeystoreError('the master key canary opened but reads wrong: the database is damaged');
}
