import { encodeAbiParameters, keccak256, numberToHex, pad, type Hex } from 'viem';
import type { Address } from '../../core/token.js';
import type { Deployment } from './deployment.js';
import type { Eip1193Provider } from './edr.js';

/** Storage slots of the contracts we deployed (DevnetToken.sol documents its own; WETH9 and the pair are Uniswap's). */
const TOKEN_BALANCES_SLOT = 0n;
const TOKEN_TOTAL_SUPPLY_SLOT = 2n;
const WETH_BALANCES_SLOT = 3n;
/** UniswapV2Pair packs reserve0, reserve1 and blockTimestampLast into slot 8. */
const PAIR_RESERVES_SLOT = 8n;

export interface WatchedState {
  storage: [Address, Hex][];
  balances: Address[];
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
      storage.push([pair.address, pad(numberToHex(PAIR_RESERVES_SLOT))]);
      storage.push([pair.token0, balanceSlot(pair.token0, pair.address)]);
      storage.push([pair.token1, balanceSlot(pair.token1, pair.address)]);
    }
  }
  // WETH's supply is its ether balance.
  return { storage, balances: [deployment.weth, maker] };
}

export async function readState(provider: Eip1193Provider, watched: WatchedState): Promise<StateSnapshot> {
  const storage = new Map<string, Hex>();
  const balances = new Map<Address, bigint>();
  await Promise.all([
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
  for (const [address, slot, value] of state.storage) {
    await provider.request({ method: 'hardhat_setStorageAt', params: [address, slot, pad(value, { size: 32 })] });
  }
  for (const [address, wei] of state.balances) {
    await provider.request({ method: 'hardhat_setBalance', params: [address, numberToHex(BigInt(wei))] });
  }
}
