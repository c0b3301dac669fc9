/**
 * What the devnet deploys: devnet copies of real tokens at real-world decimals, two Uniswap V2
 * DEXes whose pools hold the same pairs at different depths (so routing and splits matter), and
 * two price feeds. Prices are plausible starting points; the market-maker moves them from here.
 *
 * Changing anything here changes the deployment version, and a persisted devnet built from an
 * older version starts fresh (its journal is kept aside).
 */
export interface SeedToken {
  symbol: string;
  name: string;
  decimals: number;
  /** USD price with 8 decimals, the precision of Chainlink's USD feeds. */
  usdE8: bigint;
  /** How much the fair price wanders per market-maker step (standard deviation of log returns). */
  volatility: number;
}

export interface SeedPool {
  dex: DexKey;
  a: string;
  b: string;
  /** USD value of each side at seeding. */
  depthUsd: bigint;
}

export type DexKey = 'uniswap-v2' | 'sushiswap';

export const SEED_DEXES: readonly { key: DexKey; name: string }[] = [
  { key: 'uniswap-v2', name: 'Uniswap V2' },
  { key: 'sushiswap', name: 'SushiSwap' },
];

export const NATIVE_SEED = { symbol: 'ETH', usdE8: 3_000n * 10n ** 8n, volatility: 0.002 } as const;

export const SEED_TOKENS: readonly SeedToken[] = [
  { symbol: 'USDC', name: 'USD Coin', decimals: 6, usdE8: 10n ** 8n, volatility: 0.0001 },
  { symbol: 'USDT', name: 'Tether USD', decimals: 6, usdE8: 10n ** 8n, volatility: 0.0001 },
  { symbol: 'DAI', name: 'Dai Stablecoin', decimals: 18, usdE8: 10n ** 8n, volatility: 0.0001 },
  { symbol: 'WBTC', name: 'Wrapped BTC', decimals: 8, usdE8: 90_000n * 10n ** 8n, volatility: 0.0015 },
  { symbol: 'LINK', name: 'ChainLink Token', decimals: 18, usdE8: 15n * 10n ** 8n, volatility: 0.003 },
  { symbol: 'UNI', name: 'Uniswap', decimals: 18, usdE8: 8n * 10n ** 8n, volatility: 0.003 },
  { symbol: 'PEPE', name: 'Pepe', decimals: 18, usdE8: 1_000n, volatility: 0.006 },
];

const M = 1_000_000n;

// "ETH" here means the pool pairs the token with WETH.
export const SEED_POOLS: readonly SeedPool[] = [
  { dex: 'uniswap-v2', a: 'ETH', b: 'USDC', depthUsd: 20n * M },
  { dex: 'uniswap-v2', a: 'ETH', b: 'USDT', depthUsd: 10n * M },
  { dex: 'uniswap-v2', a: 'ETH', b: 'DAI', depthUsd: 5n * M },
  { dex: 'uniswap-v2', a: 'WBTC', b: 'ETH', depthUsd: 8n * M },
  { dex: 'uniswap-v2', a: 'LINK', b: 'ETH', depthUsd: 3n * M },
  { dex: 'uniswap-v2', a: 'UNI', b: 'ETH', depthUsd: 2n * M },
  { dex: 'uniswap-v2', a: 'PEPE', b: 'ETH', depthUsd: 1_500_000n },
  { dex: 'uniswap-v2', a: 'USDC', b: 'USDT', depthUsd: 5n * M },
  { dex: 'uniswap-v2', a: 'USDC', b: 'DAI', depthUsd: 3n * M },
  { dex: 'uniswap-v2', a: 'WBTC', b: 'USDC', depthUsd: 2n * M },
  { dex: 'sushiswap', a: 'ETH', b: 'USDC', depthUsd: 4n * M },
  { dex: 'sushiswap', a: 'ETH', b: 'USDT', depthUsd: 2n * M },
  { dex: 'sushiswap', a: 'ETH', b: 'DAI', depthUsd: 1n * M },
  { dex: 'sushiswap', a: 'WBTC', b: 'ETH', depthUsd: 1_500_000n },
  { dex: 'sushiswap', a: 'LINK', b: 'ETH', depthUsd: 1n * M },
  { dex: 'sushiswap', a: 'UNI', b: 'ETH', depthUsd: 500_000n },
  { dex: 'sushiswap', a: 'PEPE', b: 'ETH', depthUsd: 300_000n },
  { dex: 'sushiswap', a: 'USDC', b: 'DAI', depthUsd: 500_000n },
];

export const SEED_FEEDS: readonly { pair: 'ETH/USD' | 'BTC/USD'; symbol: string }[] = [
  { pair: 'ETH/USD', symbol: 'ETH' },
  { pair: 'BTC/USD', symbol: 'WBTC' },
];

/** Token units worth `usd` dollars at a price with 8 decimals, exactly (rounded down). */
export function unitsForUsd(usd: bigint, usdE8: bigint, decimals: number): bigint {
  return (usd * 10n ** BigInt(decimals) * 10n ** 8n) / usdE8;
}
