import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.js';
import { toJson } from '../core/json.js';
import type { Address } from '../core/token.js';
import type { Database, TransactionKind, TransactionRow, TransactionStatus } from '../infra/db/schema.js';
import { applyEvent, type CostBasis } from './fifo.js';

/** A token in a transaction row: an ERC-20 address, or `native` for the chain's own coin. */
export type TokenId = Address | 'native';

export interface RecordTransaction {
  userId: string | null;
  walletId?: string | null;
  kind: TransactionKind;
  status: TransactionStatus;
  chainId: number;
  hash?: string | null;
  from?: Address | null;
  to?: Address | null;
  /** What left the wallet. */
  tokenIn?: TokenId | null;
  amountIn?: bigint | null;
  /** What arrived. */
  tokenOut?: TokenId | null;
  amountOut?: bigint | null;
  /** The trade's USD value at the time, in millionths (swaps: both legs are worth this). */
  valueUsdE6?: bigint | null;
  data?: Record<string, unknown>;
}

/** A stored transaction, amounts back as bigints. */
export interface TransactionRecord {
  id: string;
  userId: string | null;
  walletId: string | null;
  kind: TransactionKind;
  status: TransactionStatus;
  chainId: number;
  hash: string | null;
  from: Address | null;
  to: Address | null;
  tokenIn: TokenId | null;
  amountIn: bigint | null;
  tokenOut: TokenId | null;
  amountOut: bigint | null;
  valueUsdE6: bigint | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface ListTransactions {
  /** Only this wallet's rows. */
  walletId?: string;
  /** Only rows sent from or to this address. */
  address?: Address;
  chainId?: number;
  /** 1..500; newest first. */
  limit: number;
  /** Only rows older than this (ISO-8601 timestamp of the last row seen): the next page. */
  before?: string;
}

export interface CostBasisOptions {
  /**
   * The user's own addresses: a transfer between two of them moves no cost basis (the lots are
   * the person's, wherever they sit).
   */
  ownAddresses?: Iterable<string>;
}

/** The FIFO asset key of a token: `chainId:address` lower-cased, or `chainId:native` (core's tokenKey). */
export function assetKey(chainId: number, token: string): string {
  return `${chainId}:${token.toLowerCase()}`;
}

const MAX_LIST = 500;

/**
 * Everything Möbius sent on someone's behalf (faucet payouts now, swaps and transfers later), and
 * the FIFO cost basis computed from it. Amounts go in as bigints and are stored as decimal strings.
 */
export class TransactionStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  #lastMs = 0;
  #seq = 0;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Stores a transaction and returns it as stored.
   *
   * @example await store.record({ userId, kind: 'faucet', status: 'confirmed', chainId: 31337, hash, to, tokenOut: 'native', amountOut: 10n ** 19n })
   */
  async record(input: RecordTransaction): Promise<TransactionRecord> {
    for (const [name, amount] of [['amountIn', input.amountIn], ['amountOut', input.amountOut], ['valueUsdE6', input.valueUsdE6]] as const) {
      if (amount !== undefined && amount !== null && amount < 0n) throw new UserError('bad_input', `${name} cannot be negative`);
    }
    const createdAt = this.#now().toISOString();
    const row: TransactionRow = {
      id: this.#newId(),
      user_id: input.userId,
      wallet_id: input.walletId ?? null,
      kind: input.kind,
      status: input.status,
      chain_id: input.chainId,
      hash: input.hash ?? null,
      from_address: input.from ?? null,
      to_address: input.to ?? null,
      token_in: input.tokenIn ?? null,
      amount_in: input.amountIn?.toString() ?? null,
      token_out: input.tokenOut ?? null,
      amount_out: input.amountOut?.toString() ?? null,
      value_usd_e6: input.valueUsdE6?.toString() ?? null,
      data: toJson(input.data ?? {}),
      created_at: createdAt,
    };
    await this.#db.insertInto('transactions').values(row).execute();
    return fromRow(row);
  }

  /** Moves a transaction to `confirmed` or `failed` (with its hash once known, and extra facts merged into data). */
  async updateStatus(id: string, status: TransactionStatus, extra: { hash?: string; data?: Record<string, unknown> } = {}): Promise<TransactionRecord> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new UserError('not_found', `no transaction ${id}`);
      const data = extra.data ? toJson({ ...(JSON.parse(row.data) as Record<string, unknown>), ...extra.data }) : row.data;
      const hash = extra.hash ?? row.hash;
      await trx.updateTable('transactions').set({ status, hash, data }).where('id', '=', id).execute();
      return fromRow({ ...row, status, hash, data });
    });
  }

  async get(id: string): Promise<TransactionRecord | undefined> {
    const row = await this.#db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** A user's transactions, newest first. */
  async list(userId: string, options: ListTransactions): Promise<TransactionRecord[]> {
    const limit = Math.max(1, Math.min(MAX_LIST, Math.floor(options.limit)));
    let query = this.#db.selectFrom('transactions').selectAll().where('user_id', '=', userId);
    if (options.walletId) query = query.where('wallet_id', '=', options.walletId);
    if (options.chainId !== undefined) query = query.where('chain_id', '=', options.chainId);
    if (options.before) query = query.where('created_at', '<', options.before);
    if (options.address) {
      const address = options.address;
      query = query.where((eb) => eb.or([eb('from_address', '=', address), eb('to_address', '=', address)]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }

  /**
   * FIFO cost basis from the user's confirmed transactions, oldest first:
   * - a swap sells `token_in` for its USD value and buys `token_out` at the same value; a swap with
   *   no recorded value carries the sold lots' cost over to what it bought (nothing realized);
   * - a faucet payout is a zero-cost acquisition (devnet money is a gift: its whole value is gain);
   * - a transfer out removes lots without realizing; a transfer in (only `token_out`) is acquired at
   *   its recorded value (zero when none); a transfer between the user's own addresses moves nothing.
   * Pending and failed transactions never count.
   */
  async costBasis(userId: string, options: CostBasisOptions = {}): Promise<CostBasis> {
    const own = new Set([...(options.ownAddresses ?? [])].map((a) => a.toLowerCase()));
    const rows = await this.#db
      .selectFrom('transactions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'confirmed')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    const state: CostBasis = { assets: new Map(), realizedPnlUsdE6: 0n };
    for (const row of rows) {
      const tx = fromRow(row);
      const at = tx.createdAt;
      const inKey = tx.tokenIn && tx.amountIn ? assetKey(tx.chainId, tx.tokenIn) : undefined;
      const outKey = tx.tokenOut && tx.amountOut ? assetKey(tx.chainId, tx.tokenOut) : undefined;
      if (tx.kind === 'faucet') {
        if (outKey) applyEvent(state, { type: 'acquire', asset: outKey, amount: tx.amountOut!, costUsdE6: 0n, at });
      } else if (tx.kind === 'swap') {
        let cost = tx.valueUsdE6 ?? 0n;
        if (inKey) {
          if (tx.valueUsdE6 === null) cost = applyEvent(state, { type: 'remove', asset: inKey, amount: tx.amountIn!, at });
          else applyEvent(state, { type: 'sell', asset: inKey, amount: tx.amountIn!, proceedsUsdE6: tx.valueUsdE6, at });
        }
        if (outKey) applyEvent(state, { type: 'acquire', asset: outKey, amount: tx.amountOut!, costUsdE6: cost, at });
      } else {
        const internal = tx.from !== null && tx.to !== null && own.has(tx.from.toLowerCase()) && own.has(tx.to.toLowerCase());
        if (internal) continue;
        if (inKey) applyEvent(state, { type: 'remove', asset: inKey, amount: tx.amountIn!, at });
        if (outKey) applyEvent(state, { type: 'acquire', asset: outKey, amount: tx.amountOut!, costUsdE6: tx.valueUsdE6 ?? 0n, at });
      }
    }
    return state;
  }

  /**
   * Ids that sort in recording order (time, then a per-process counter), so FIFO order is the
   * order things happened even when two rows share a millisecond.
   */
  #newId(): string {
    const ms = Date.now();
    this.#seq = ms === this.#lastMs ? this.#seq + 1 : 0;
    this.#lastMs = ms;
    return `tx_${ms.toString(16).padStart(12, '0')}${this.#seq.toString(16).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
  }
}

function fromRow(row: TransactionRow): TransactionRecord {
  const big = (v: string | null) => (v === null ? null : BigInt(v));
  return {
    id: row.id,
    userId: row.user_id,
    walletId: row.wallet_id,
    kind: row.kind,
    status: row.status,
    chainId: Number(row.chain_id),
    hash: row.hash,
    from: row.from_address as Address | null,
    to: row.to_address as Address | null,
    tokenIn: row.token_in as TokenId | null,
    amountIn: big(row.amount_in),
    tokenOut: row.token_out as TokenId | null,
    amountOut: big(row.amount_out),
    valueUsdE6: big(row.value_usd_e6),
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
