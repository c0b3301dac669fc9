import { parseAbiItem, type Address, type Hex } from 'viem';
import type { ChainAccess } from '../chain/chain-access.js';
import type { TokenRegistry } from '../chain/tokens.js';
import type { TokenRef } from '../core/token.js';

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

/** One movement of value to or from the address, read from the chain. */
export interface ActivityItem {
  chainId: number;
  hash: Hex;
  blockNumber: bigint;
  /** Block time, ms since epoch. */
  at: number;
  /** Where it sat in the block (log index for tokens, transaction index for native transfers). */
  position: number;
  direction: 'in' | 'out' | 'self';
  token: TokenRef;
  amount: bigint;
  from: Address;
  to: Address;
}

export interface ActivityOptions {
  /** How far back to look for token transfers, in blocks (public RPCs cap log ranges). */
  logBlocks?: number;
  /** How many recent blocks to scan for native transfers (each is one block fetch). */
  nativeBlocks?: number;
  /** At most this many items, newest first. */
  limit?: number;
}

export interface ActivityResult {
  items: ActivityItem[];
  /** The blocks looked at, for saying how far back the answer reaches. */
  fromBlock: bigint;
  toBlock: bigint;
  /** The oldest block scanned for native transfers (they are looked for over a shorter range). */
  nativeFromBlock: bigint;
}

/** Blocks fetched at once while scanning for native transfers. */
const SCAN_CONCURRENCY = 8;

/**
 * A wallet's own on-chain activity: ERC-20 `Transfer` events from or to it for the tokens the
 * registry knows (two `eth_getLogs` with topic filters over a bounded block range), and native coin
 * transfers found by scanning the most recent blocks' transactions (there is no log for those).
 * Every read goes through `ChainAccess.read`, so an outage surfaces as the usual DependencyError.
 */
export class ActivityReader {
  constructor(
    private readonly access: ChainAccess,
    private readonly tokens: TokenRegistry,
  ) {}

  async read(chainId: number, address: Address, options: ActivityOptions = {}): Promise<ActivityResult> {
    const info = this.access.chain(chainId);
    const logBlocks = BigInt(options.logBlocks ?? (info.devnet ? 50_000 : 5_000));
    const nativeBlocks = BigInt(options.nativeBlocks ?? (info.devnet ? 200 : 20));
    const limit = options.limit ?? 50;
    const latest = await this.access.read(chainId, (client) => client.getBlockNumber({ cacheTime: 0 }));
    const fromBlock = latest >= logBlocks ? latest - logBlocks + 1n : 0n;
    const nativeFromBlock = latest >= nativeBlocks ? latest - nativeBlocks + 1n : 0n;
    const [tokenItems, nativeItems] = await Promise.all([this.#tokenTransfers(chainId, address, fromBlock, latest), this.#nativeTransfers(chainId, address, nativeFromBlock, latest)]);
    const items = [...tokenItems, ...nativeItems].sort(newestFirst).slice(0, limit);
    await this.#stampTimes(chainId, items);
    return { items, fromBlock, toBlock: latest, nativeFromBlock };
  }

  async #tokenTransfers(chainId: number, address: Address, fromBlock: bigint, toBlock: bigint): Promise<ActivityItem[]> {
    const known = this.tokens.list(chainId).filter((t): t is TokenRef & { address: Address } => t.address !== 'native');
    if (known.length === 0) return [];
    const byAddress = new Map(known.map((t) => [t.address.toLowerCase(), t]));
    const addresses = known.map((t) => t.address);
    const [sent, received] = await this.access.read(chainId, (client) =>
      Promise.all([
        client.getLogs({ address: addresses, event: TRANSFER, args: { from: address }, fromBlock, toBlock }),
        client.getLogs({ address: addresses, event: TRANSFER, args: { to: address }, fromBlock, toBlock }),
      ]),
    );
    const seen = new Set<string>();
    const items: ActivityItem[] = [];
    for (const log of [...sent, ...received]) {
      if (log.transactionHash === null || log.blockNumber === null || log.logIndex === null) continue; // pending
      const id = `${log.transactionHash}:${log.logIndex}`;
      if (seen.has(id)) continue; // sent to itself: in both lists
      seen.add(id);
      const token = byAddress.get(log.address.toLowerCase());
      const { from, to, value } = log.args;
      if (!token || !from || !to || value === undefined) continue;
      items.push({ chainId, hash: log.transactionHash, blockNumber: log.blockNumber, at: 0, position: log.logIndex, direction: directionOf(address, from, to), token, amount: value, from, to });
    }
    return items;
  }

  async #nativeTransfers(chainId: number, address: Address, fromBlock: bigint, toBlock: bigint): Promise<ActivityItem[]> {
    const native = this.tokens.native(chainId);
    const wanted = address.toLowerCase();
    const numbers: bigint[] = [];
    for (let n = toBlock; n >= fromBlock; n--) numbers.push(n);
    const found: Array<{ item: ActivityItem }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(SCAN_CONCURRENCY, numbers.length) }, async () => {
        while (next < numbers.length) {
          const blockNumber = numbers[next++]!;
          const block = await this.access.read(chainId, (client) => client.getBlock({ blockNumber, includeTransactions: true }));
          for (const tx of block.transactions) {
            if (tx.value === 0n || !tx.to) continue;
            const from = tx.from.toLowerCase();
            const to = tx.to.toLowerCase();
            if (from !== wanted && to !== wanted) continue;
            found.push({
              item: { chainId, hash: tx.hash, blockNumber, at: Number(block.timestamp) * 1000, position: tx.transactionIndex ?? 0, direction: directionOf(address, tx.from, tx.to), token: native, amount: tx.value, from: tx.from, to: tx.to },
            });
          }
        }
      }),
    );
    // A reverted transaction moved nothing: keep only those whose receipt says success.
    const receipts = await this.access.read(chainId, (client) => Promise.all(found.map(({ item }) => client.getTransactionReceipt({ hash: item.hash }))));
    return found.filter((_, i) => receipts[i]!.status === 'success').map(({ item }) => item);
  }

  /** Block times for the token transfers (native ones already have theirs), one fetch per block. */
  async #stampTimes(chainId: number, items: ActivityItem[]): Promise<void> {
    const missing = [...new Set(items.filter((i) => i.at === 0).map((i) => i.blockNumber))];
    if (missing.length === 0) return;
    const blocks = await this.access.read(chainId, (client) => Promise.all(missing.map((blockNumber) => client.getBlock({ blockNumber }))));
    const times = new Map(blocks.map((b) => [b.number, Number(b.timestamp) * 1000]));
    for (const item of items) if (item.at === 0) item.at = times.get(item.blockNumber) ?? 0;
  }
}

function directionOf(address: Address, from: Address, to: Address): ActivityItem['direction'] {
  const me = address.toLowerCase();
  const out = from.toLowerCase() === me;
  const inn = to.toLowerCase() === me;
  return out && inn ? 'self' : out ? 'out' : 'in';
}

function newestFirst(a: ActivityItem, b: ActivityItem): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber > b.blockNumber ? -1 : 1;
  return b.position - a.position;
}
