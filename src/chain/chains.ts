/**
 * The chains Möbius knows: ids, names, the words people use for them, native coins, explorers and
 * keyless public RPC endpoints. Facts come from viem's chain definitions (`viem/chains`) and
 * chainlist.org; `chains.test.ts` cross-checks ids, native coins and explorers against viem.
 */
import type { Address } from '../core/token.js';

export type ChainKey = 'ethereum' | 'base' | 'arbitrum' | 'optimism' | 'polygon' | 'bsc' | 'avalanche' | 'pulsechain' | 'devnet';

export interface ChainInfo {
  readonly key: ChainKey;
  readonly id: number;
  readonly name: string;
  /** Lower-case words people use for the chain, besides its key and name. */
  readonly aliases: readonly string[];
  readonly native: { readonly symbol: string; readonly name: string; readonly decimals: number };
  /** Devnet: null, the address is known only after deployment. */
  readonly wrappedNative: { readonly symbol: string; readonly address: Address | null };
  readonly explorer: { readonly name: string; readonly url: string } | null;
  /** Public, keyless endpoints; RPC_URL_<CHAIN> replaces them. */
  readonly defaultRpcUrls: readonly string[];
  readonly multicall3: Address | null;
  readonly blockTimeMs: number;
  readonly eip1559: boolean;
  readonly devnet: boolean;
}

export const MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';
const ETHER = { symbol: 'ETH', name: 'Ether', decimals: 18 } as const;

export const CHAINS: readonly ChainInfo[] = [
  {
    key: 'ethereum',
    id: 1,
    name: 'Ethereum',
    aliases: ['eth', 'mainnet', 'eth mainnet', 'ethereum mainnet', 'l1'],
    native: ETHER,
    wrappedNative: { symbol: 'WETH', address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2' },
    explorer: { name: 'Etherscan', url: 'https://etherscan.io' },
    defaultRpcUrls: ['https://ethereum-rpc.publicnode.com', 'https://eth.drpc.org', 'https://ethereum.reth.rs/rpc'],
    multicall3: MULTICALL3,
    blockTimeMs: 12_000,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'base',
    id: 8453,
    name: 'Base',
    aliases: ['base mainnet'],
    native: ETHER,
    wrappedNative: { symbol: 'WETH', address: '0x4200000000000000000000000000000000000006' },
    explorer: { name: 'Basescan', url: 'https://basescan.org' },
    defaultRpcUrls: ['https://mainnet.base.org', 'https://base-rpc.publicnode.com', 'https://base.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 2_000,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'arbitrum',
    id: 42161,
    name: 'Arbitrum',
    aliases: ['arb', 'arb1', 'arbitrum one', 'arbitrum mainnet'],
    native: ETHER,
    wrappedNative: { symbol: 'WETH', address: '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1' },
    explorer: { name: 'Arbiscan', url: 'https://arbiscan.io' },
    defaultRpcUrls: ['https://arb1.arbitrum.io/rpc', 'https://arbitrum-one-rpc.publicnode.com', 'https://arbitrum.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 250,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'optimism',
    id: 10,
    name: 'Optimism',
    aliases: ['op', 'op mainnet', 'optimism mainnet'],
    native: ETHER,
    wrappedNative: { symbol: 'WETH', address: '0x4200000000000000000000000000000000000006' },
    explorer: { name: 'Optimism Explorer', url: 'https://optimistic.etherscan.io' },
    defaultRpcUrls: ['https://mainnet.optimism.io', 'https://optimism-rpc.publicnode.com', 'https://optimism.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 2_000,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'polygon',
    id: 137,
    name: 'Polygon',
    aliases: ['matic', 'pol', 'polygon pos', 'polygon mainnet', 'matic network'],
    native: { symbol: 'POL', name: 'POL', decimals: 18 },
    wrappedNative: { symbol: 'WPOL', address: '0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270' },
    explorer: { name: 'PolygonScan', url: 'https://polygonscan.com' },
    defaultRpcUrls: ['https://polygon-bor-rpc.publicnode.com', 'https://polygon.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 2_000,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'bsc',
    id: 56,
    name: 'BNB Smart Chain',
    aliases: ['bnb', 'bnb chain', 'bnb smart chain', 'binance smart chain', 'binance chain', 'binance', 'bep20', 'bsc mainnet'],
    native: { symbol: 'BNB', name: 'BNB', decimals: 18 },
    wrappedNative: { symbol: 'WBNB', address: '0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c' },
    explorer: { name: 'BscScan', url: 'https://bscscan.com' },
    defaultRpcUrls: ['https://bsc-dataseed.bnbchain.org', 'https://bsc-rpc.publicnode.com', 'https://bsc.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 750,
    // BSC accepts type-2 transactions but its base fee is zero and wallets price with a legacy
    // gas price; legacy transactions are the ones every BSC node and explorer handles alike.
    eip1559: false,
    devnet: false,
  },
  {
    key: 'avalanche',
    id: 43114,
    name: 'Avalanche',
    aliases: ['avax', 'c-chain', 'c chain', 'avalanche c-chain', 'avalanche c chain', 'avax c-chain'],
    native: { symbol: 'AVAX', name: 'Avalanche', decimals: 18 },
    wrappedNative: { symbol: 'WAVAX', address: '0xB31f66AA3C1e785363F0875A1B74E27b85FD66c7' },
    explorer: { name: 'SnowTrace', url: 'https://snowtrace.io' },
    defaultRpcUrls: ['https://api.avax.network/ext/bc/C/rpc', 'https://avalanche-c-chain-rpc.publicnode.com', 'https://avalanche.drpc.org'],
    multicall3: MULTICALL3,
    blockTimeMs: 1_700,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'pulsechain',
    id: 369,
    name: 'PulseChain',
    aliases: ['pls', 'pulse', 'pulse chain'],
    native: { symbol: 'PLS', name: 'Pulse', decimals: 18 },
    wrappedNative: { symbol: 'WPLS', address: '0xA1077a294dDE1B09bB078844df40758a5D0f9a27' },
    explorer: { name: 'PulseScan', url: 'https://scan.pulsechain.com' },
    defaultRpcUrls: ['https://rpc.pulsechain.com', 'https://pulsechain.publicnode.com', 'https://rpc-pulsechain.g4mm4.io'],
    multicall3: MULTICALL3,
    blockTimeMs: 10_000,
    eip1559: true,
    devnet: false,
  },
  {
    key: 'devnet',
    id: 31337,
    name: 'Möbius devnet',
    aliases: ['local', 'dev', 'localhost', 'local chain', 'mobius devnet', 'möbius devnet', 'hardhat'],
    native: ETHER,
    wrappedNative: { symbol: 'WETH', address: null },
    explorer: null,
    defaultRpcUrls: [],
    multicall3: null,
    // Automine: a block per transaction.
    blockTimeMs: 0,
    eip1559: true,
    devnet: true,
  },
];

export const chainKeys: readonly ChainKey[] = CHAINS.map((c) => c.key);

const byKey = new Map<ChainKey, ChainInfo>(CHAINS.map((c) => [c.key, c]));
const byId = new Map<number, ChainInfo>(CHAINS.map((c) => [c.id, c]));

export function chainByKey(key: ChainKey): ChainInfo {
  const info = byKey.get(key);
  if (!info) throw new Error(`unknown chain key ${String(key)}`);
  return info;
}

export function chainById(id: number): ChainInfo | undefined {
  return byId.get(id);
}

function normalizeWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .replace(/[^a-z0-9\s-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const byWords = new Map<string, ChainInfo>();
for (const c of CHAINS) {
  for (const word of [c.key, c.name, ...c.aliases]) byWords.set(normalizeWords(word), c);
}

/**
 * Finds a chain from a person's word(s): key, alias, name, numeric id; case-insensitive; undefined if none.
 * `findChain('Binance Smart Chain')` → bsc; `findChain('arbitrum network')` → arbitrum.
 */
export function findChain(words: string): ChainInfo | undefined {
  const text = normalizeWords(words);
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return chainById(Number(text));
  const direct = byWords.get(text);
  if (direct) return direct;
  // "polygon network", "base chain": the trailing word adds nothing.
  const trimmed = text.replace(/ (network|chain|blockchain)$/, '');
  return trimmed === text ? undefined : byWords.get(trimmed);
}

/** RPC_URL_<CHAIN> variable name for a chain, e.g. RPC_URL_ETHEREUM, RPC_URL_BSC, RPC_URL_DEVNET. */
export function rpcEnvName(key: ChainKey): string {
  return `RPC_URL_${key.toUpperCase()}`;
}

const RPC_PROTOCOLS = new Set(['http:', 'https:', 'ws:', 'wss:']);

/** Parses a comma-separated URL list (http/https/ws/wss), trimming, rejecting bad URLs with a clear Error naming the variable. */
export function parseRpcUrlList(variable: string, value: string): string[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new Error(`${variable} is empty: give one or more RPC URLs separated by commas`);
  const urls: string[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new Error(`${variable}: "${part}" is not a URL (expected http://, https://, ws:// or wss://)`);
    }
    if (!RPC_PROTOCOLS.has(url.protocol)) {
      throw new Error(`${variable}: "${part}" uses ${url.protocol}// but an RPC URL must be http, https, ws or wss`);
    }
    if (!urls.includes(part)) urls.push(part);
  }
  return urls;
}

/** Transaction link on the chain's explorer (null for devnet). */
export function explorerTxUrl(info: ChainInfo, hash: string): string | null {
  return info.explorer ? `${info.explorer.url}/tx/${hash}` : null;
}

/** Address link on the chain's explorer (null for devnet). */
export function explorerAddressUrl(info: ChainInfo, address: string): string | null {
  return info.explorer ? `${info.explorer.url}/address/${address}` : null;
}
