import type { ChainInfo } from '../chain/chains.js';
import type { TokenRef } from '../core/token.js';
import type { PriceRequest } from './types.js';

/** CoinGecko ids of the chains' native coins (the bundled lists cover ERC-20s only). */
const NATIVE_COINGECKO: Record<string, string> = {
  ETH: 'ethereum',
  BNB: 'binancecoin',
  POL: 'polygon-ecosystem-token',
  AVAX: 'avalanche-2',
  PLS: 'pulsechain',
};

/**
 * Wrapped and bridged tickers that trade as the underlying asset on exchanges and feeds. A token
 * whose price *is* another asset's price is asked about under that asset's symbol.
 */
const UNDERLYING: Record<string, string> = {
  WETH: 'ETH',
  'WETH.E': 'ETH',
  WBTC: 'BTC',
  'WBTC.E': 'BTC',
  CBBTC: 'BTC',
  BTCB: 'BTC',
  'BTC.B': 'BTC',
  WBNB: 'BNB',
  WAVAX: 'AVAX',
  WPOL: 'POL',
  WMATIC: 'POL',
  MATIC: 'POL',
  WPLS: 'PLS',
  'USDC.E': 'USDC',
  USDBC: 'USDC',
  'USDT.E': 'USDT',
  'DAI.E': 'DAI',
  'LINK.E': 'LINK',
};

export function marketSymbolOf(token: Pick<TokenRef, 'symbol'>): string {
  const upper = token.symbol.toUpperCase();
  return UNDERLYING[upper] ?? upper;
}

/**
 * What the sources are asked: the token, its CoinGecko id (from the bundled lists, or the native
 * coin's), its market symbol and the fiat. A devnet copy gets no CoinGecko id: only the devnet's
 * own sources may price it.
 */
export function priceRequestFor(token: TokenRef, chain: ChainInfo, fiat: string, coingeckoIdOf: (token: TokenRef) => string | undefined): PriceRequest {
  const coingeckoId = token.devnet ? undefined : token.address === 'native' ? NATIVE_COINGECKO[chain.native.symbol] : coingeckoIdOf(token);
  return { token, marketSymbol: marketSymbolOf(token), fiat: fiat.toLowerCase(), ...(coingeckoId ? { coingeckoId } : {}) };
}
