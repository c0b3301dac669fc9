import { erc20Abi, type Address } from 'viem';
import { multicall3Abi } from './devnet/contracts/artifacts.js';
import type { TokenRef } from '../core/token.js';
import type { ChainAccess } from './chain-access.js';
import { isOutage } from './endpoint.js';

/** Where balances read at a block are kept (the app passes an L1Cache, counted in the cache metrics). */
export interface BalanceCache {
  get(key: string): bigint | undefined;
  set(key: string, value: bigint): void;
}

export interface BalanceQuery {
  addresses: readonly Address[];
  /** Tokens to read per chain id; every listed chain is queried in parallel. */
  tokens: ReadonlyMap<number, readonly TokenRef[]>;
  /** Per-chain deadline (ms): a slow chain is reported as failed, the others still answer. */
  deadlineMs?: number;
}

export interface BalanceRow {
  chainId: number;
  address: Address;
  token: TokenRef;
  amount: bigint;
}

export interface BalanceFailure {
  chainId: number;
  /** The token whose read failed, when only that one failed (not an ERC-20, say). */
  token?: TokenRef;
  reason: string;
}

export interface BalanceResult {
  balances: BalanceRow[];
  /** Chains (or single tokens) that did not answer: the result is partial, and says where. */
  failures: BalanceFailure[];
}

/** Calldata per multicall chunk: small enough for public RPCs' limits, large enough to be few. */
const MULTICALL_CHUNK_BYTES = 16_384;

/**
 * Reads native and ERC-20 balances for many addresses × tokens × chains: one multicall per chunk
 * of calls, chains in parallel, each under its own deadline.
 */
export class BalanceReader {
  constructor(
    private readonly access: ChainAccess,
    private readonly defaultDeadlineMs = 8_000,
    /**
     * Balances by block: a balance at block N never changes, so while a chain has not moved past
     * N, asking again costs one `eth_blockNumber` instead of the whole multicall. Exact, not a
     * guess: the first new block (a payout, a swap) sends every read back to the chain.
     */
    private readonly cache?: BalanceCache,
  ) {}

  async read(query: BalanceQuery): Promise<BalanceResult> {
    const deadlineMs = query.deadlineMs ?? this.defaultDeadlineMs;
    const perChain = await Promise.all(
      [...query.tokens].map(async ([chainId, tokens]) => {
        try {
          return await withDeadline(this.#readChain(chainId, query.addresses, tokens), deadlineMs, `no answer within ${deadlineMs} ms`);
        } catch (err) {
          return { balances: [], failures: [{ chainId, reason: reasonOf(err) }] } satisfies BalanceResult;
        }
      }),
    );
    return { balances: perChain.flatMap((r) => r.balances), failures: perChain.flatMap((r) => r.failures) };
  }

  async #readChain(chainId: number, addresses: readonly Address[], tokens: readonly TokenRef[]): Promise<BalanceResult> {
    const info = this.access.chain(chainId);
    const multicall3 = info.multicall3;
    if (!multicall3) throw new Error(`${info.name} has no Multicall3`);
    const wanted = addresses.flatMap((address) => tokens.map((token) => ({ address, token })));
    // Rows in the order asked (address, then token), whether they came from the cache or the chain.
    const rows: Array<BalanceRow | undefined> = new Array(wanted.length);
    let block: bigint | undefined;
    let pairs = wanted.map((pair, at) => ({ ...pair, at }));
    if (this.cache) {
      const cache = this.cache;
      const at = await this.access.read(chainId, (client) => client.getBlockNumber({ cacheTime: 0 }));
      block = at;
      pairs = pairs.filter(({ address, token, at: i }) => {
        const amount = cache.get(balanceKey(chainId, at, token, address));
        if (amount !== undefined) rows[i] = { chainId, address, token, amount };
        return amount === undefined;
      });
      if (pairs.length === 0) return { balances: rows as BalanceRow[], failures: [] };
    }
    const contracts = pairs.map(({ address, token }) =>
      token.address === 'native'
        ? ({ address: multicall3, abi: multicall3Abi, functionName: 'getEthBalance', args: [address] } as const)
        : ({ address: token.address, abi: erc20Abi, functionName: 'balanceOf', args: [address] } as const),
    );
    const results = await this.access.read(chainId, async (client) => {
      // At the block the cache is keyed by, so what is stored under N is what N holds.
      const answers = await client.multicall({ contracts, allowFailure: true, batchSize: MULTICALL_CHUNK_BYTES, multicallAddress: multicall3, ...(block === undefined ? {} : { blockNumber: block }) });
      // With allowFailure viem folds a failed RPC call into every result of its chunk; that is the
      // chain failing, not the tokens, so it fails the chain (and counts as an outage).
      const outage = answers.find((a) => a.status === 'failure' && isOutage(a.error));
      if (outage?.status === 'failure') throw outage.error;
      return answers;
    });
    const failures: BalanceFailure[] = [];
    const failedTokens = new Set<string>();
    results.forEach((result, i) => {
      const { address, token, at } = pairs[i]!;
      if (result.status === 'success') {
        const amount = result.result as bigint;
        rows[at] = { chainId, address, token, amount };
        if (block !== undefined) this.cache?.set(balanceKey(chainId, block, token, address), amount);
      } else if (!failedTokens.has(token.address)) {
        failedTokens.add(token.address);
        failures.push({ chainId, token, reason: `could not read ${token.symbol} balances` });
      }
    });
    return { balances: rows.filter((r) => r !== undefined), failures };
  }
}

function balanceKey(chainId: number, block: bigint, token: TokenRef, address: Address): string {
  return `${chainId}:${block}:${token.address}:${address}`;
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) return (err as { shortMessage?: string }).shortMessage ?? err.message.split('\n')[0]!;
  return 'failed';
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
