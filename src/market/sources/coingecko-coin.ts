/**
 * CoinGecko's `/coins/{id}` profile, checked and turned into what Möbius shows: market figures,
 * supply, contracts per chain (ours where we know the platform) and links (http(s) only, since
 * they end up in chat messages).
 */
import { z } from 'zod';
import { numberish, positivePrice } from '../http-json.js';

export interface CoinContract {
  /** CoinGecko's platform id ("ethereum", "polygon-pos", "solana" …). */
  platform: string;
  /** Our chain id when the platform is a chain Möbius knows. */
  chainId: number | undefined;
  /** As CoinGecko gives it (EVM addresses lower-case). */
  address: string;
  decimals: number | undefined;
}

export interface CoinInfo {
  coingeckoId: string;
  symbol: string;
  name: string;
  fiat: string;
  price: number | undefined;
  marketCap: number | undefined;
  fullyDilutedValuation: number | undefined;
  volume24h: number | undefined;
  change24hPct: number | undefined;
  marketCapRank: number | undefined;
  supply: { circulating: number | undefined; total: number | undefined; max: number | undefined };
  /** Empty for a chain's own coin (ETH, BTC). */
  contracts: CoinContract[];
  /** http(s) links only: they end up in chat messages. */
  links: { homepage: string[]; whitepaper?: string; twitter?: string; telegram?: string; reddit?: string; github: string[]; explorers: string[] };
  categories: string[];
  /** English description as plain text (CoinGecko sends HTML anchors). */
  description: string | undefined;
  image: string | undefined;
  genesisDate: string | undefined;
  /** ms since epoch. */
  updatedAt: number | undefined;
}

/** CoinGecko asset-platform ids of the chains in src/chain/chains.ts. */
export const COINGECKO_PLATFORMS: Readonly<Record<string, number>> = {
  ethereum: 1,
  'binance-smart-chain': 56,
  base: 8453,
  'arbitrum-one': 42161,
  'polygon-pos': 137,
  avalanche: 43114,
  'optimistic-ethereum': 10,
  pulsechain: 369,
};

const PerFiat = z.record(z.string(), numberish).nullish();
const Text = z.string().nullish();
const Strings = z.array(z.string()).nullish();
export const Coin = z.object({
  id: z.string(),
  symbol: z.string(),
  name: z.string(),
  platforms: z.record(z.string(), z.string().nullable()).nullish(),
  detail_platforms: z.record(z.string(), z.object({ decimal_place: numberish, contract_address: z.string().nullish() }).nullable()).nullish(),
  categories: z.array(z.string().nullable()).nullish(),
  description: z.record(z.string(), z.string().nullable()).nullish(),
  links: z
    .object({
      homepage: Strings,
      whitepaper: Text,
      blockchain_site: Strings,
      twitter_screen_name: Text,
      telegram_channel_identifier: Text,
      subreddit_url: Text,
      repos_url: z.object({ github: Strings }).nullish(),
    })
    .nullish(),
  image: z.object({ large: Text, small: Text }).nullish(),
  genesis_date: Text,
  market_cap_rank: numberish,
  market_data: z
    .object({
      current_price: PerFiat,
      market_cap: PerFiat,
      fully_diluted_valuation: PerFiat,
      total_volume: PerFiat,
      price_change_percentage_24h_in_currency: PerFiat,
      circulating_supply: numberish,
      total_supply: numberish,
      max_supply: numberish,
    })
    .nullish(),
  last_updated: Text,
});

export function toCoinInfo(coin: z.output<typeof Coin>, fiat: string): CoinInfo {
  const market = coin.market_data;
  const nonNegative = (n: number | undefined) => (n !== undefined && n >= 0 ? n : undefined);
  const decimals = (platform: string) => coin.detail_platforms?.[platform]?.decimal_place;
  const contracts = Object.entries(coin.platforms ?? {}).flatMap(([platform, address]): CoinContract[] => {
    // Native coins come as {"": ""}.
    if (!platform || !address) return [];
    const chainId = COINGECKO_PLATFORMS[platform];
    const evm = /^0x[0-9a-fA-F]{40}$/.test(address);
    if (chainId !== undefined && !evm) return [];
    return [{ platform, chainId, address: evm ? address.toLowerCase() : address, decimals: decimals(platform) }];
  });
  const links = coin.links;
  const twitter = links?.twitter_screen_name ? safeUrl(`https://x.com/${encodeURIComponent(links.twitter_screen_name)}`) : undefined;
  const telegram = links?.telegram_channel_identifier ? safeUrl(`https://t.me/${encodeURIComponent(links.telegram_channel_identifier)}`) : undefined;
  const reddit = safeUrl(links?.subreddit_url);
  const whitepaper = safeUrl(links?.whitepaper);
  const updated = Date.parse(coin.last_updated ?? '');
  return {
    coingeckoId: coin.id,
    symbol: coin.symbol.toUpperCase(),
    name: coin.name,
    fiat,
    price: positivePrice(market?.current_price?.[fiat]),
    marketCap: positivePrice(market?.market_cap?.[fiat]),
    fullyDilutedValuation: positivePrice(market?.fully_diluted_valuation?.[fiat]),
    volume24h: nonNegative(market?.total_volume?.[fiat]),
    change24hPct: market?.price_change_percentage_24h_in_currency?.[fiat],
    marketCapRank: positivePrice(coin.market_cap_rank),
    supply: {
      circulating: nonNegative(market?.circulating_supply),
      total: nonNegative(market?.total_supply),
      max: positivePrice(market?.max_supply),
    },
    contracts,
    links: {
      homepage: urls(links?.homepage),
      ...(whitepaper ? { whitepaper } : {}),
      ...(twitter ? { twitter } : {}),
      ...(telegram ? { telegram } : {}),
      ...(reddit ? { reddit } : {}),
      github: urls(links?.repos_url?.github),
      explorers: urls(links?.blockchain_site),
    },
    categories: (coin.categories ?? []).filter((c): c is string => typeof c === 'string' && c.length > 0),
    description: plainText(coin.description?.['en']),
    image: safeUrl(coin.image?.large ?? coin.image?.small),
    genesisDate: coin.genesis_date ?? undefined,
    updatedAt: Number.isNaN(updated) ? undefined : updated,
  };
}

/** The URL if it is http(s); anything else (javascript:, empty strings) is dropped. */
function safeUrl(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function urls(list: readonly string[] | null | undefined): string[] {
  return [...new Set((list ?? []).map(safeUrl).filter((u): u is string => u !== undefined))];
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Tags dropped, the common entities decoded in one pass (so "&amp;lt;" stays "&lt;"). */
function plainText(html: string | null | undefined): string | undefined {
  if (!html) return undefined;
  const text = html
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? '')
    .replace(/\r\n/g, '\n')
    .trim();
  return text || undefined;
}
