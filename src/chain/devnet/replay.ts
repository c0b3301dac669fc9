import { numberToHex, type Hex } from 'viem';
import type { Eip1193Provider } from './edr.js';
import type { JournalEntry } from './journal.js';
import { applyState } from './state-watch.js';

export interface ReplayResult {
  transactions: number;
  /** Transactions that did not come back with their original hash (should be none). */
  diverged: Hex[];
  makerState: unknown;
}

async function blockNumber(provider: Eip1193Provider): Promise<number> {
  return Number(BigInt((await provider.request({ method: 'eth_blockNumber' })) as Hex));
}

async function latestTimestamp(provider: Eip1193Provider): Promise<number> {
  const block = (await provider.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { timestamp: Hex };
  return Number(BigInt(block.timestamp));
}

/** Mines empty blocks so the next block is `block`, as it was when the journal was written. */
async function advanceTo(provider: Eip1193Provider, block: number): Promise<void> {
  const gap = block - (await blockNumber(provider)) - 1;
  if (gap > 0) await provider.request({ method: 'hardhat_mine', params: [numberToHex(gap), '0x1'] });
}

/** Mines one block stamped now (or just after the head), so later blocks follow the wall clock. */
export async function anchorClock(provider: Eip1193Provider, now: () => number): Promise<void> {
  const at = Math.max(Math.floor(now() / 1000), (await latestTimestamp(provider)) + 1);
  await provider.request({ method: 'evm_mine', params: [numberToHex(at)] });
}

/**
 * Rebuilds the persisted chain on a fresh deployment: pool state as it was, then each journaled
 * transaction at its original block number, timestamp and base fee, so hashes, receipts and
 * balances come back the same. Finally the clock is brought to now.
 */
export async function replayJournal(provider: Eip1193Provider, entries: readonly JournalEntry[], now: () => number): Promise<ReplayResult> {
  let transactions = 0;
  const diverged: Hex[] = [];
  let makerState: unknown;
  let head: { block: number; timestamp: number } | undefined;
  for (const entry of entries) {
    switch (entry.t) {
      case 'state':
        await applyState(provider, entry);
        break;
      case 'maker':
        makerState = entry.state;
        break;
      case 'head':
        head = entry;
        break;
      case 'tx': {
        await advanceTo(provider, entry.block);
        if (entry.timestamp > (await latestTimestamp(provider))) {
          await provider.request({ method: 'evm_setNextBlockTimestamp', params: [numberToHex(entry.timestamp)] });
        }
        await provider.request({ method: 'hardhat_setNextBlockBaseFeePerGas', params: [numberToHex(BigInt(entry.baseFee))] });
        try {
          const hash = (await provider.request({ method: 'eth_sendRawTransaction', params: [entry.raw] })) as Hex;
          if (hash !== entry.hash) diverged.push(entry.hash);
        } catch {
          diverged.push(entry.hash);
        }
        transactions += 1;
        break;
      }
    }
  }
  if (head) await advanceTo(provider, head.block + 1);
  // One block stamped now re-anchors the chain's clock to the wall clock after old timestamps.
  await anchorClock(provider, now);
  return { transactions, diverged, makerState };
}

/**
 * Shortens a journal for rewriting: runs of state entries merge (later words win), and only the
 * last maker and head entries matter. Transactions and their order are kept exactly.
 */
export function compactJournal(entries: readonly JournalEntry[]): JournalEntry[] {
  const out: JournalEntry[] = [];
  let pending: Map<string, [string, string, string]> | undefined;
  let pendingBalances: Map<string, string> | undefined;
  let maker: JournalEntry | undefined;
  let head: JournalEntry | undefined;
  const flush = () => {
    if (pending && pendingBalances && (pending.size > 0 || pendingBalances.size > 0)) {
      out.push({ t: 'state', storage: [...pending.values()] as never, balances: [...pendingBalances.entries()] as never });
    }
    pending = undefined;
    pendingBalances = undefined;
  };
  for (const entry of entries) {
    if (entry.t === 'state') {
      pending ??= new Map();
      pendingBalances ??= new Map();
      for (const word of entry.storage) pending.set(`${word[0]}:${word[1]}`, word);
      for (const [address, wei] of entry.balances) pendingBalances.set(address, wei);
    } else if (entry.t === 'tx') {
      flush();
      out.push(entry);
    } else if (entry.t === 'maker') {
      maker = entry;
    } else {
      head = entry;
    }
  }
  flush();
  if (maker) out.push(maker);
  if (head) out.push(head);
  return out;
}
