import { existsSync, renameSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database, SealedColumns } from '../infra/db/schema.js';
import { CANARY_OWNER, CANARY_TEXT, checkCanary, Keystore, type SealedSecret } from './keystore.js';
import { loadMasterKey, MasterKeyError, parseMasterKey, type MasterKey } from './master-key.js';

/** Sealed secret ↔ table columns (base64 text on both dialects). */
export function toColumns(sealed: SealedSecret): SealedColumns {
  return {
    key_id: sealed.keyId,
    key_version: sealed.version,
    wrapped_dek: sealed.wrappedDek.toString('base64'),
    dek_nonce: sealed.dekNonce.toString('base64'),
    ciphertext: sealed.ciphertext.toString('base64'),
    nonce: sealed.nonce.toString('base64'),
  };
}

export function fromColumns(row: SealedColumns): SealedSecret {
  return {
    version: row.key_version as 1,
    keyId: row.key_id,
    wrappedDek: Buffer.from(row.wrapped_dek, 'base64'),
    dekNonce: Buffer.from(row.dek_nonce, 'base64'),
    ciphertext: Buffer.from(row.ciphertext, 'base64'),
    nonce: Buffer.from(row.nonce, 'base64'),
  };
}

export interface MasterKeys {
  /** Seals new secrets. */
  current: MasterKey;
  /** The rotation target while a rotation is under way (ENCRYPTION_KEY_NEXT or `master.key.next`). */
  next: MasterKey | undefined;
}

export interface MasterKeySettings {
  encryptionKey: string | undefined;
  encryptionKeyNext: string | undefined;
  keyFile: string;
  /** Generate the key file on first start: embedded mode only, where one process owns the data. */
  mayCreate: boolean;
}

/**
 * The master keys this instance runs with: ENCRYPTION_KEY (and ENCRYPTION_KEY_NEXT during a
 * rotation), or the key file (and `<file>.next` during a rotation).
 */
export function loadMasterKeys(settings: MasterKeySettings): MasterKeys & { created: boolean } {
  if (!settings.encryptionKey && !settings.mayCreate && !existsSync(settings.keyFile)) {
    throw new MasterKeyError(`set ENCRYPTION_KEY (32 random bytes as hex; generate with: openssl rand -hex 32): with DATABASE_URL several instances share the wallets, so each needs the same master key`);
  }
  const { master, created } = loadMasterKey({ encryptionKey: settings.encryptionKey, keyFile: settings.keyFile, create: settings.mayCreate });
  let next: MasterKey | undefined;
  if (settings.encryptionKey) {
    next = settings.encryptionKeyNext ? parseMasterKey(settings.encryptionKeyNext, 'ENCRYPTION_KEY_NEXT') : undefined;
  } else if (existsSync(`${settings.keyFile}.next`)) {
    next = loadMasterKey({ keyFile: `${settings.keyFile}.next`, create: false }).master;
  }
  return { current: master, next, created };
}

/**
 * Opens the keystore for this database: on first use it seals the canary; afterwards the canary
 * must open, or start-up stops (a wrong master key must never "decrypt" anything).
 */
export async function openKeystore(db: Kysely<Database>, keys: MasterKeys, now: () => Date = () => new Date()): Promise<Keystore> {
  const keystore = new Keystore(keys.current, keys.next ? [keys.next] : []);
  const canary = await db.selectFrom('keystore_meta').selectAll().where('name', '=', 'canary').executeTakeFirst();
  if (!canary) {
    const sealed = keystore.seal(Buffer.from(CANARY_TEXT), CANARY_OWNER);
    await db
      .insertInto('keystore_meta')
      .values({ name: 'canary', ...toColumns(sealed), created_at: now().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    // Another instance may have sealed it first with a different key: check what is stored.
    const stored = await db.selectFrom('keystore_meta').selectAll().where('name', '=', 'canary').executeTakeFirstOrThrow();
    await checkCanary(keystore, fromColumns(stored));
    return keystore;
  }
  await checkCanary(keystore, fromColumns(canary));
  return keystore;
}

export interface RotationResult {
  from: string;
  to: string;
  rewrapped: number;
  /** Rows still under another key (0 when the rotation finished). */
  remaining: number;
  finished: boolean;
}

/**
 * Re-wraps every wallet's data key, then the canary, under `keys.next`. Each row is updated only
 * if it still carries the key id it was read with, one row per statement: killed at any point,
 * every row is under either the old or the new key, both of which a re-run (and a start-up during
 * the rotation) loads. `stopAfter` exists to test exactly that.
 */
export async function rotateWalletKeys(db: Kysely<Database>, keys: MasterKeys, options: { stopAfter?: number } = {}): Promise<RotationResult> {
  if (!keys.next) throw new MasterKeyError('no rotation target: set ENCRYPTION_KEY_NEXT, or let `keys rotate` create the next key file');
  const target = new Keystore(keys.next, [keys.current]);
  let rewrapped = 0;
  const rows = await db.selectFrom('wallets').selectAll().where('key_id', 'is not', null).where('key_id', '!=', keys.next.id).execute();
  for (const row of rows) {
    if (options.stopAfter !== undefined && rewrapped >= options.stopAfter) break;
    const sealed = fromColumns(row as unknown as SealedColumns);
    const moved = target.rewrap(sealed, { userId: row.user_id, address: row.address });
    await db.updateTable('wallets').set(toColumns(moved)).where('id', '=', row.id).where('key_id', '=', sealed.keyId).execute();
    rewrapped += 1;
  }
  const left = await db.selectFrom('wallets').select((eb) => eb.fn.countAll<number | string>().as('n')).where('key_id', 'is not', null).where('key_id', '!=', keys.next.id).executeTakeFirstOrThrow();
  const remaining = Number(left.n);
  if (remaining === 0) {
    const canary = await db.selectFrom('keystore_meta').selectAll().where('name', '=', 'canary').executeTakeFirst();
    if (canary && canary.key_id !== keys.next.id) {
      const moved = target.rewrap(fromColumns(canary), CANARY_OWNER);
      await db.updateTable('keystore_meta').set(toColumns(moved)).where('name', '=', 'canary').where('key_id', '=', canary.key_id).execute();
    }
  }
  return { from: keys.current.id, to: keys.next.id, rewrapped, remaining, finished: remaining === 0 };
}

/**
 * File mode: the next key file, created when a rotation starts (kept if one is under way), and
 * swapped into place when it finishes. The old file is kept beside it, renamed: deleting a master
 * key is the operator's decision, after their backups hold the new one.
 */
export function prepareNextKeyFile(keyFile: string): MasterKey {
  return loadMasterKey({ keyFile: `${keyFile}.next`, create: true }).master;
}

export function finishKeyFileRotation(keyFile: string, old: MasterKey): string {
  const retired = `${keyFile}.retired-${old.id}`;
  renameSync(keyFile, retired);
  renameSync(`${keyFile}.next`, keyFile);
  return retired;
}

