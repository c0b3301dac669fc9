import { sql, type Kysely, type Transaction } from 'kysely';
import type { PrivateKeyAccount } from 'viem/accounts';
import { parseAddress } from '../chain/address.js';
import { UserError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { escapeMarkup } from '../core/reply.js';
import type { Address } from '../core/token.js';
import { dialectOf, type DatabaseDialect } from '../infra/db/database.js';
import type { Database, SealedColumns, WalletRow } from '../infra/db/schema.js';
import { scrubSecrets } from '../infra/log.js';
import { fromColumns, toColumns } from './key-vault.js';
import type { Keystore, SealedSecret } from './keystore.js';
import { checkKeyRange, hexToKey, parsePrivateKey } from './private-key.js';
import { checkDerivationPath, checkMnemonic, DEFAULT_DERIVATION_PATH } from './mnemonic.js';

/**
 * viem's account code, loaded on first use: an instance that never touches a key (a market-data
 * server with CHAINS=none) starts without it.
 */
const viemAccounts = () => import('viem/accounts');

/** The keystore v3 reader and its scrypt, loaded on the first keystore import, which few people ever make. */
const keystoreV3 = () => import('./keystore-v3.js');

/** A wallet as everyone outside this module sees it: never any key material. */
export interface WalletInfo {
  id: string;
  name: string;
  address: Address;
  /** `local`: Möbius holds its key and can sign. `watch`: an address only, to follow balances. */
  kind: 'local' | 'watch';
  active: boolean;
  derivationPath: string | null;
  createdAt: string;
}

/** Who acts on a wallet: the user who owns it, and the identity that asked (for the audit log). */
export interface WalletActor {
  userId: string;
  /** The identity ref that asked, `telegram:42`. */
  actor: string;
}

export type ImportMethod = 'private_key' | 'mnemonic' | 'keystore_v3';

export interface WalletAudit {
  append(entry: { actor: string; action: string; subject?: string | null; data?: Record<string, unknown> }): Promise<unknown>;
}

export interface WalletServiceOptions {
  now?: () => Date;
  /** Wallets one user may have, watch-only addresses included (default 5). */
  maxPerUser?: number;
}

const NAME_MAX = 32;
/** Letters, digits, spaces and a little punctuation; starting with a letter or digit. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.'’()#&+-]*$/u;

/**
 * A user's wallets: created here or imported (private key, recovery phrase, keystore v3), or
 * watch-only addresses. Every lookup is filtered by the user id, so no call can reach another
 * user's wallet. Private keys are sealed by the keystore (bound to user and address) before they
 * touch the database; plaintext exists only in buffers this module wipes after use, inside
 * `withSigner` and `exportKey`.
 */
export class WalletService {
  readonly #db: Kysely<Database>;
  readonly #dialect: DatabaseDialect;
  readonly #keystore: Keystore;
  readonly #audit: WalletAudit;
  readonly #now: () => Date;
  readonly maxPerUser: number;

  constructor(db: Kysely<Database>, keystore: Keystore, audit: WalletAudit, options: WalletServiceOptions = {}) {
    this.#db = db;
    this.#dialect = dialectOf(db);
    this.#keystore = keystore;
    this.#audit = audit;
    this.#now = options.now ?? (() => new Date());
    this.maxPerUser = options.maxPerUser ?? 5;
  }

  /** The user's wallets, oldest first (the order "wallet 2" counts in). */
  async list(userId: string): Promise<WalletInfo[]> {
    const rows = await this.#rows(this.#db, userId);
    return rows.map(toInfo);
  }

  /** The active wallet (the one trades and "my balance" use first), if the user has any. */
  async active(userId: string): Promise<WalletInfo | undefined> {
    return (await this.list(userId)).find((w) => w.active);
  }

  /**
   * One of the user's wallets by name (any case), address, id, or 1-based position ("2").
   * Throws `not_found` listing the user's wallet names.
   */
  async find(userId: string, ref: string): Promise<WalletInfo> {
    return toInfo(pick(await this.#rows(this.#db, userId), ref));
  }

  /** A new wallet with a fresh random key. */
  async create(by: WalletActor, name?: string): Promise<WalletInfo> {
    const { generatePrivateKey } = await viemAccounts();
    const key = hexToKey(generatePrivateKey());
    try {
      const wallet = await this.#addLocal(by, key, { name, derivationPath: null });
      await this.#record(by, 'wallet.created', wallet);
      return wallet;
    } finally {
      key.fill(0);
    }
  }

  /** Imports a raw private key (64 hex digits, 0x optional). */
  async importPrivateKey(by: WalletActor, privateKey: string, name?: string): Promise<WalletInfo> {
    const key = parsePrivateKey(privateKey);
    try {
      const wallet = await this.#addLocal(by, key, { name, derivationPath: null });
      await this.#record(by, 'wallet.imported', wallet, { method: 'private_key' satisfies ImportMethod });
      return wallet;
    } finally {
      key.fill(0);
    }
  }

  /** Imports the account at `path` of a BIP-39 English recovery phrase (checksum checked). */
  async importMnemonic(by: WalletActor, phrase: string, options: { path?: string; name?: string } = {}): Promise<WalletInfo> {
    const words = checkMnemonic(phrase);
    const path = checkDerivationPath(options.path ?? DEFAULT_DERIVATION_PATH);
    // viem types the path as m/44'/60'/…; other paths (another coin type, say) derive just the same.
    const { mnemonicToAccount } = await viemAccounts();
    const hd = mnemonicToAccount(words, { path: path as `m/44'/60'/${string}` }).getHdKey();
    const key = Buffer.from(hd.privateKey!);
    hd.wipePrivateData();
    try {
      const wallet = await this.#addLocal(by, key, { name: options.name, derivationPath: path });
      await this.#record(by, 'wallet.imported', wallet, { method: 'mnemonic' satisfies ImportMethod, derivationPath: path });
      return wallet;
    } finally {
      key.fill(0);
    }
  }

  /** Imports a keystore v3 JSON file (geth, MetaMask, MyEtherWallet) with its password. */
  async importKeystore(by: WalletActor, json: string, password: string, name?: string): Promise<WalletInfo> {
    const { decryptKeystoreV3 } = await keystoreV3();
    const key = await decryptKeystoreV3(json, password);
    try {
      checkKeyRange(key);
      const wallet = await this.#addLocal(by, key, { name, derivationPath: null });
      await this.#record(by, 'wallet.imported', wallet, { method: 'keystore_v3' satisfies ImportMethod });
      return wallet;
    } finally {
      key.fill(0);
    }
  }

  /** Follows an address without any key: balances and portfolio only, no signing. */
  async addWatch(by: WalletActor, address: string, name?: string): Promise<WalletInfo> {
    if (/^(0x)?[0-9a-f]{64}$/i.test(address.trim())) {
      // Never echoed: the person may have pasted a private key where an address belongs.
      throw new UserError('bad_input', 'That is 64 hex digits — a private key or a hash, not an address (0x and 40 hex digits). Never share a private key; to import one, say "import wallet" with it in a private chat.');
    }
    const checked = parseAddress(address);
    const wallet = await this.#insert(by, { address: checked, kind: 'watch', name, derivationPath: null, sealed: undefined });
    await this.#record(by, 'wallet.watch_added', wallet);
    return wallet;
  }

  async rename(by: WalletActor, ref: string, name: string): Promise<{ wallet: WalletInfo; previousName: string }> {
    const wanted = checkName(name);
    const { row, previous } = await this.#db.transaction().execute(async (trx) => {
      const rows = await this.#lockedRows(trx, by.userId);
      const target = pick(rows, ref);
      const clash = rows.find((r) => r.id !== target.id && sameName(r.name, wanted));
      if (clash) throw new UserError('conflict', `You already have a wallet called **${escapeMarkup(clash.name)}**; pick another name.`);
      await trx.updateTable('wallets').set({ name: wanted }).where('id', '=', target.id).where('user_id', '=', by.userId).execute();
      return { row: { ...target, name: wanted }, previous: target.name };
    });
    const wallet = toInfo(row);
    await this.#record(by, 'wallet.renamed', wallet, { from: previous, to: wanted });
    return { wallet, previousName: previous };
  }

  /** Makes one wallet the active one (and every other one not). */
  async setActive(by: WalletActor, ref: string): Promise<WalletInfo> {
    const row = await this.#db.transaction().execute(async (trx) => {
      const rows = await this.#lockedRows(trx, by.userId);
      const target = pick(rows, ref);
      await trx.updateTable('wallets').set({ active: 0 }).where('user_id', '=', by.userId).where('id', '!=', target.id).execute();
      await trx.updateTable('wallets').set({ active: 1 }).where('user_id', '=', by.userId).where('id', '=', target.id).execute();
      return { ...target, active: 1 };
    });
    const wallet = toInfo(row);
    await this.#record(by, 'wallet.activated', wallet);
    return wallet;
  }

  /**
   * The wallet's private key as 0x-hex, for the person to back up (audited). Only for wallets whose
   * key Möbius holds. The caller shows it once, in a private chat, and keeps it nowhere.
   */
  async exportKey(by: WalletActor, ref: string): Promise<{ wallet: WalletInfo; privateKey: `0x${string}` }> {
    const row = pick(await this.#rows(this.#db, by.userId), ref);
    const sealed = sealedOf(row);
    const privateKey = await this.#keystore.withSecret(sealed, { userId: by.userId, address: row.address }, (secret) => `0x${secret.toString('hex')}` as const);
    const wallet = toInfo(row);
    await this.#record(by, 'wallet.exported', wallet);
    return { wallet, privateKey };
  }

  /**
   * Deletes a wallet (its sealed key with it: gone for good unless the person has a backup). When it
   * was the active one, the oldest remaining wallet becomes active.
   */
  async delete(by: WalletActor, ref: string): Promise<{ deleted: WalletInfo; active: WalletInfo | undefined }> {
    const { deleted, active } = await this.#db.transaction().execute(async (trx) => {
      const rows = await this.#lockedRows(trx, by.userId);
      const target = pick(rows, ref);
      await trx.deleteFrom('wallets').where('id', '=', target.id).where('user_id', '=', by.userId).execute();
      const left = rows.filter((r) => r.id !== target.id);
      let nowActive = left.find((r) => r.active === 1);
      if (!nowActive && left.length > 0) {
        nowActive = { ...left[0]!, active: 1 };
        await trx.updateTable('wallets').set({ active: 1 }).where('id', '=', nowActive.id).where('user_id', '=', by.userId).execute();
      }
      return { deleted: target, active: nowActive };
    });
    const info = toInfo(deleted);
    await this.#record(by, 'wallet.deleted', info, { kind: info.kind, ...(active ? { nowActive: active.id } : {}) });
    return { deleted: info, active: active ? toInfo(active) : undefined };
  }

  /**
   * Runs `fn` with a signing account for one of the user's wallets (swaps, transfers). The key is
   * opened for the duration of `fn` only, and its buffer wiped afterwards. (viem keeps the key as a
   * hex string inside the account, which JavaScript cannot wipe: do not keep the account.)
   */
  async withSigner<T>(userId: string, ref: string, fn: (account: PrivateKeyAccount, wallet: WalletInfo) => Promise<T>): Promise<T> {
    const row = pick(await this.#rows(this.#db, userId), ref);
    const sealed = sealedOf(row);
    const wallet = toInfo(row);
    const { privateKeyToAccount } = await viemAccounts();
    return this.#keystore.withSecret(sealed, { userId, address: row.address }, async (secret) => {
      const account = privateKeyToAccount(`0x${secret.toString('hex')}`);
      if (account.address !== row.address) throw new Error(`wallet ${row.id}: the sealed key does not belong to its address`);
      return fn(account, wallet);
    });
  }

  async #addLocal(by: WalletActor, key: Buffer, options: { name: string | undefined; derivationPath: string | null }): Promise<WalletInfo> {
    const { privateKeyToAddress } = await viemAccounts();
    const address = privateKeyToAddress(`0x${key.toString('hex')}`);
    const sealed = toColumns(this.#keystore.seal(key, { userId: by.userId, address }));
    return this.#insert(by, { address, kind: 'local', name: options.name, derivationPath: options.derivationPath, sealed });
  }

  /**
   * Adds a wallet under the user's lock: the limit, a duplicate address and a name clash are
   * checked and the row written in one transaction, so concurrent requests cannot get past them.
   */
  async #insert(
    by: WalletActor,
    wallet: { address: Address; kind: 'local' | 'watch'; name: string | undefined; derivationPath: string | null; sealed: SealedColumns | undefined },
  ): Promise<WalletInfo> {
    const wanted = wallet.name === undefined ? undefined : checkName(wallet.name);
    const row = await this.#db.transaction().execute(async (trx) => {
      const rows = await this.#lockedRows(trx, by.userId);
      const same = rows.find((r) => r.address === wallet.address);
      if (same) {
        throw new UserError('conflict', `${shortAddress(wallet.address)} is already your wallet **${escapeMarkup(same.name)}**${same.kind === 'watch' && wallet.kind === 'local' ? ' (watch-only; delete it first to import its key)' : ''}.`);
      }
      if (rows.length >= this.maxPerUser) {
        throw new UserError('conflict', `You already have ${rows.length} wallets, the most one person can have. Delete one first (e.g. "delete wallet ${rows.length}").`, { details: { limit: this.maxPerUser } });
      }
      if (wanted && rows.some((r) => sameName(r.name, wanted))) throw new UserError('conflict', `You already have a wallet called **${escapeMarkup(wanted)}**; pick another name.`);
      const name = wanted ?? defaultName(rows);
      // Strictly after the newest wallet, so "wallet 3" always means the same one.
      const latest = rows.reduce((t, r) => Math.max(t, Date.parse(r.created_at)), 0);
      const createdAt = new Date(Math.max(this.#now().getTime(), latest + 1)).toISOString();
      const values = {
        id: newId('wal'),
        user_id: by.userId,
        name,
        address: wallet.address,
        kind: wallet.kind,
        derivation_path: wallet.derivationPath,
        active: rows.length === 0 ? 1 : 0,
        key_id: null,
        key_version: null,
        wrapped_dek: null,
        dek_nonce: null,
        ciphertext: null,
        nonce: null,
        ...wallet.sealed,
        created_at: createdAt,
      } satisfies WalletRow;
      try {
        await trx.insertInto('wallets').values(values).execute();
      } catch (err) {
        // The unique (user, address) index: only reachable if the lock was bypassed.
        if (/unique|duplicate/i.test((err as Error).message)) throw new UserError('conflict', `${shortAddress(wallet.address)} is already one of your wallets.`);
        throw err;
      }
      return values;
    });
    return toInfo(row);
  }

  /** The user's rows, with the user's row locked on PostgreSQL (SQLite's `begin immediate` already serialises writers). */
  async #lockedRows(trx: Transaction<Database>, userId: string): Promise<WalletRow[]> {
    if (this.#dialect === 'postgres') await sql`select id from users where id = ${userId} for update`.execute(trx);
    return this.#rows(trx, userId);
  }

  #rows(db: Kysely<Database>, userId: string): Promise<WalletRow[]> {
    return db.selectFrom('wallets').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  #record(by: WalletActor, action: string, wallet: WalletInfo, extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.#audit.append({ actor: by.actor, action, subject: by.userId, data: { walletId: wallet.id, address: wallet.address, name: wallet.name, ...extra } });
  }
}

function toInfo(row: WalletRow): WalletInfo {
  return {
    id: row.id,
    name: row.name,
    address: row.address as Address,
    kind: row.kind,
    active: row.active === 1,
    derivationPath: row.derivation_path,
    createdAt: row.created_at,
  };
}

function sealedOf(row: WalletRow): SealedSecret {
  if (row.kind !== 'local' || !row.key_id || row.key_version === null || !row.wrapped_dek || !row.dek_nonce || !row.ciphertext || !row.nonce) {
    throw new UserError('bad_input', `**${escapeMarkup(row.name)}** is a watch-only address: Möbius holds no key for it, so it cannot sign or export one.`);
  }
  return fromColumns({ key_id: row.key_id, key_version: row.key_version, wrapped_dek: row.wrapped_dek, dek_nonce: row.dek_nonce, ciphertext: row.ciphertext, nonce: row.nonce });
}

/** A wallet reference resolved among the user's own rows only. */
function pick(rows: readonly WalletRow[], ref: string): WalletRow {
  const wanted = ref.trim().replace(/^#/, '');
  let found: WalletRow | undefined;
  if (/^\d{1,3}$/.test(wanted)) {
    // A position; past the end, the default name it may mean ("wallet 3" once wallet 1 is gone).
    found = rows[Number(wanted) - 1] ?? rows.find((r) => sameName(r.name, `Wallet ${Number(wanted)}`));
  } else if (/^0x[0-9a-f]{40}$/i.test(wanted)) {
    found = rows.find((r) => r.address.toLowerCase() === wanted.toLowerCase());
  } else {
    found = rows.find((r) => r.id === wanted) ?? rows.find((r) => sameName(r.name, wanted));
  }
  if (found) return found;
  if (rows.length === 0) throw new UserError('not_found', 'You have no wallets yet. Say "create a wallet", "import wallet …" or "watch 0x…".');
  const names = rows.map((r, i) => `${i + 1}. ${escapeMarkup(r.name)}`).join(', ');
  throw new UserError('not_found', `You have no wallet ${describeRef(wanted)}. Your wallets: ${names}.`, { details: { wallets: rows.map((r) => r.name) } });
}

/** The reference as the person typed it, fit to repeat: short, escaped, and never key material. */
function describeRef(ref: string): string {
  if (/^\d+$/.test(ref)) return `number ${ref}`;
  const safe = scrubSecrets(ref);
  if (safe !== ref || ref.length > 42) return 'like that';
  return `"${escapeMarkup(ref)}"`;
}

function sameName(a: string, b: string): boolean {
  return a.toLocaleLowerCase().replace(/\s+/g, ' ') === b.toLocaleLowerCase().replace(/\s+/g, ' ');
}

/** A wallet name: 1–32 characters, not a number or an address (those already mean "wallet 2" and "0x…"). */
export function checkName(name: string): string {
  const trimmed = name.normalize('NFC').trim().replace(/\s+/g, ' ').replace(/^["'“”]+|["'“”]+$/g, '');
  if (trimmed.length === 0 || trimmed.length > NAME_MAX) throw new UserError('bad_input', `A wallet name is 1 to ${NAME_MAX} characters.`);
  if (/^\d+$/.test(trimmed)) throw new UserError('bad_input', 'A wallet name cannot be just a number: "wallet 2" already means your second wallet.');
  if (/^0x/i.test(trimmed)) throw new UserError('bad_input', 'A wallet name cannot start with 0x: that reads as an address.');
  if (!NAME.test(trimmed)) throw new UserError('bad_input', 'A wallet name uses letters, digits, spaces and - _ . \' ( ) # & +, starting with a letter or digit.');
  return trimmed;
}

function defaultName(rows: readonly WalletRow[]): string {
  for (let n = rows.length + 1; ; n++) {
    const name = `Wallet ${n}`;
    if (!rows.some((r) => sameName(r.name, name))) return name;
  }
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
