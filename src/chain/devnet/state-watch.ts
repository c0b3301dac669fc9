import { encodeAbiParameters, keccak256, numberToHex, pad, type Hex } from 'viem';
import type { Address } from '../../core/token.js';
import type { Deployment } from './deployment.js';
import type { Eip1193Provider } from './edr.js';

/** Storage slots of the contracts we deployed (DevnetToken.sol documents its own; WETH9 and the pair are Uniswap's). */
const TOKEN_BALANCES_SLOT = 0n;
const TOKEN_TOTAL_SUPPLY_SLOT = 2n;
const WETH_BALANCES_SLOT = 3n;
/** UniswapV2Pair packs reserve0, reserve1 and blockTimestampLast into slot 8; 9 and 10 are the TWAP accumulators. */
const PAIR_STATE_SLOTS = [8n, 9n, 10n];
/** PriceFeed.sol: slot 2 latestRound, slot 3 the rounds mapping (three words per round). */
const FEED_LATEST_ROUND_SLOT = 2n;
const FEED_ROUNDS_SLOT = 3n;

export interface WatchedState {
  storage: [Address, Hex][];
  balances: Address[];
  /** Feeds whose latest round is read each time (the slots move with the round number). */
  feeds: Address[];
}

export interface StateSnapshot {
  storage: Map<string, Hex>;
  balances: Map<Address, bigint>;
}

export function mappingSlot(key: Address, slot: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [key, slot]));
}

/**
 * The storage the market-maker changes: each pool's reserves and the token balances behind them,
 * the maker's own balances and the tokens' supplies. Restoring these words restores the market.
 */
export function watchedState(deployment: Deployment): WatchedState {
  const storage: [Address, Hex][] = [];
  const maker = deployment.accounts.maker;
  const balanceSlot = (token: Address, holder: Address) => mappingSlot(holder, token === deployment.weth ? WETH_BALANCES_SLOT : TOKEN_BALANCES_SLOT);
  for (const token of deployment.tokens) {
    storage.push([token.address, balanceSlot(token.address, maker)]);
    if (token.address !== deployment.weth) storage.push([token.address, pad(numberToHex(TOKEN_TOTAL_SUPPLY_SLOT))]);
  }
  for (const dex of deployment.dexes) {
    for (const pair of dex.pairs) {
      for (const slot of PAIR_STATE_SLOTS) storage.push([pair.address, pad(numberToHex(slot))]);
      storage.push([pair.token0, balanceSlot(pair.token0, pair.address)]);
      storage.push([pair.token1, balanceSlot(pair.token1, pair.address)]);
    }
  }
  // WETH's supply is its ether balance.
  return { storage, balances: [deployment.weth, maker], feeds: deployment.feeds.map((f) => f.address) };
}

async function feedSlots(provider: Eip1193Provider, feed: Address): Promise<[Address, Hex][]> {
  const latestSlot = pad(numberToHex(FEED_LATEST_ROUND_SLOT));
  const round = BigInt((await provider.request({ method: 'eth_getStorageAt', params: [feed, latestSlot, 'latest'] })) as Hex);
  const base = BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [round, FEED_ROUNDS_SLOT])));
  return [[feed, latestSlot], ...[0n, 1n, 2n].map((i): [Address, Hex] => [feed, pad(numberToHex(base + i))])];
}

export async function readState(provider: Eip1193Provider, watched: WatchedState): Promise<StateSnapshot> {
  const storage = new Map<string, Hex>();
  const balances = new Map<Address, bigint>();
  // A feed keeps its latest round only: older rounds are history no one replays against.
  const feedWords = (await Promise.all(watched.feeds.map((feed) => feedSlots(provider, feed)))).flat();
  await Promise.all([
    ...feedWords.map(async ([address, slot]) => {
      storage.set(`${address}:${slot}`, (await provider.request({ method: 'eth_getStorageAt', params: [address, slot, 'latest'] })) as Hex);
    }),
    ...watched.storage.map(async ([address, slot]) => {
      storage.set(`${address}:${slot}`, (await provider.request({ method: 'eth_getStorageAt', params: [address, slot, 'latest'] })) as Hex);
    }),
    ...watched.balances.map(async (address) => {
      balances.set(address, BigInt((await provider.request({ method: 'eth_getBalance', params: [address, 'latest'] })) as Hex));
    }),
  ]);
  return { storage, balances };
}

/** What changed from `before` to `after`, in journal form; empty lists when nothing did. */
export function diffState(before: StateSnapshot | undefined, after: StateSnapshot): { storage: [Address, Hex, Hex][]; balances: [Address, string][] } {
  const storage: [Address, Hex, Hex][] = [];
  for (const [key, value] of after.storage) {
    if (before?.storage.get(key) !== value) {
      const [address, slot] = key.split(':') as [Address, Hex];
      storage.push([address, slot, value]);
    }
  }
  const balances: [Address, string][] = [];
  for (const [address, value] of after.balances) {
    if (before?.balances.get(address) !== value) balances.push([address, value.toString()]);
  }
  return { storage, balances };
}

export async function applyState(provider: Eip1193Provider, state: { storage: [Address, Hex, Hex][]; balances: [Address, string][] }): Promise<void> {
  // Independent writes: issued together, the node still applies them one by one but without a
  // round trip of awaiting each (half of a replay's time when they were sequential).
  await Promise.all([
    ...state.storage.map(([address, slot, value]) => provider.request({ method: 'hardhat_setStorageAt', params: [address, slot, pad(value, { size: 32 })] })),
    ...state.balances.map(([address, wei]) => provider.request({ method: 'hardhat_setBalance', params: [address, numberToHex(BigInt(wei))] })),
  ]);
}
