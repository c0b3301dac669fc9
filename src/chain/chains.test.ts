import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAddress } from 'viem';
import * as viemChains from 'viem/chains';
import {
  CHAINS,
  chainById,
  chainByKey,
  chainKeys,
  explorerAddressUrl,
  explorerTxUrl,
  findChain,
  parseRpcUrlList,
  rpcEnvName,
  type ChainKey,
} from './chains.js';
import { toViemChain } from './viem-chain.js';

const VIEM_NAMES: Record<Exclude<ChainKey, 'devnet'>, keyof typeof viemChains> = {
  ethereum: 'mainnet',
  base: 'base',
  arbitrum: 'arbitrum',
  optimism: 'optimism',
  polygon: 'polygon',
  bsc: 'bsc',
  avalanche: 'avalanche',
  pulsechain: 'pulsechain',
};

const mainnets = CHAINS.filter((c) => !c.devnet);

describe('chain registry', () => {
  it('agrees with viem on ids, native coins and (but for PulseChain) explorers', () => {
    for (const info of mainnets) {
      const viem = viemChains[VIEM_NAMES[info.key as Exclude<ChainKey, 'devnet'>]] as viemChains.Chain;
      assert.equal(info.id, viem.id, info.key);
      assert.equal(info.native.symbol, viem.nativeCurrency.symbol, info.key);
      assert.equal(info.native.decimals, viem.nativeCurrency.decimals, info.key);
      // viem points PulseChain at an IPFS mirror; chainlist's scan.pulsechain.com is the canonical explorer.
      if (info.key !== 'pulsechain') assert.equal(info.explorer?.url, viem.blockExplorers?.default.url, info.key);
      assert.equal(info.multicall3?.toLowerCase(), viem.contracts?.multicall3?.address.toLowerCase(), info.key);
    }
  });

  it('has one entry per key and id, and no word that names two chains', () => {
    assert.deepEqual([...chainKeys].sort(), ['arbitrum', 'avalanche', 'base', 'bsc', 'devnet', 'ethereum', 'optimism', 'polygon', 'pulsechain']);
    assert.equal(new Set(CHAINS.map((c) => c.id)).size, CHAINS.length);
    const words = CHAINS.flatMap((c) => c.aliases);
    assert.equal(new Set(words).size, words.length, 'an alias is shared');
    for (const w of words) assert.equal(w, w.toLowerCase(), w);
    for (const c of CHAINS) assert.equal(findChain(c.key), c);
  });

  it('lists 2-4 keyless HTTPS endpoints per mainnet and checksummed contract addresses', () => {
    for (const info of mainnets) {
      assert.ok(info.defaultRpcUrls.length >= 2 && info.defaultRpcUrls.length <= 4, info.key);
      for (const url of info.defaultRpcUrls) assert.match(url, /^https:\/\/[^/]+/, url);
      assert.ok(!info.defaultRpcUrls.some((u) => /key|token=/i.test(u)), info.key);
      assert.equal(getAddress(info.wrappedNative.address!), info.wrappedNative.address, info.key);
      assert.equal(info.multicall3, '0xcA11bde05977b3631167028862bE2a173976CA11');
    }
  });

  it('describes the devnet as known only after deployment', () => {
    const devnet = chainByKey('devnet');
    assert.equal(devnet.id, 31337);
    assert.equal(devnet.name, 'Möbius devnet');
    assert.deepEqual(devnet.native, { symbol: 'ETH', name: 'Ether', decimals: 18 });
    assert.equal(devnet.blockTimeMs, 0);
    assert.equal(devnet.eip1559, true);
    assert.equal(devnet.wrappedNative.address, null);
    assert.equal(devnet.multicall3, null);
    assert.equal(devnet.explorer, null);
    assert.deepEqual(devnet.defaultRpcUrls, []);
  });

  it('looks chains up by id', () => {
    assert.equal(chainById(56)?.key, 'bsc');
    assert.equal(chainById(31337)?.key, 'devnet');
    assert.equal(chainById(5), undefined);
  });
});

describe('findChain', () => {
  const cases: Array<[string, ChainKey]> = [
    ['Ethereum', 'ethereum'],
    ['eth mainnet', 'ethereum'],
    ['mainnet', 'ethereum'],
    ['BASE', 'base'],
    ['arb', 'arbitrum'],
    ['Arbitrum One', 'arbitrum'],
    ['OP', 'optimism'],
    ['op mainnet', 'optimism'],
    ['matic', 'polygon'],
    ['polygon network', 'polygon'],
    ['BNB Chain', 'bsc'],
    ['Binance Smart Chain', 'bsc'],
    ['bsc', 'bsc'],
    ['avax', 'avalanche'],
    ['C-Chain', 'avalanche'],
    ['pls', 'pulsechain'],
    ['local', 'devnet'],
    ['dev', 'devnet'],
    ['Möbius devnet', 'devnet'],
    ['mobius devnet', 'devnet'],
    ["arbitrum's", 'arbitrum'],
    ['8453', 'base'],
    [' 137 ', 'polygon'],
  ];
  for (const [words, key] of cases) {
    it(`reads "${words}" as ${key}`, () => assert.equal(findChain(words)?.key, key));
  }

  it('answers undefined for words that name no chain', () => {
    for (const words of ['solana', 'usdc', '', '   ', '999999', 'network']) assert.equal(findChain(words), undefined, words);
  });
});

describe('RPC settings', () => {
  it('names the variable of each chain', () => {
    assert.equal(rpcEnvName('ethereum'), 'RPC_URL_ETHEREUM');
    assert.equal(rpcEnvName('bsc'), 'RPC_URL_BSC');
    assert.equal(rpcEnvName('devnet'), 'RPC_URL_DEVNET');
  });

  it('parses a comma-separated list, trimming blanks and repeats', () => {
    assert.deepEqual(parseRpcUrlList('RPC_URL_BASE', ' https://a.example/rpc , wss://b.example ,,https://a.example/rpc'), ['https://a.example/rpc', 'wss://b.example']);
    assert.deepEqual(parseRpcUrlList('RPC_URL_DEVNET', 'http://127.0.0.1:8545'), ['http://127.0.0.1:8545']);
  });

  it('refuses a bad URL with an error naming the variable', () => {
    assert.throws(() => parseRpcUrlList('RPC_URL_BSC', 'https://ok.example, ftp://files.example'), /^Error: RPC_URL_BSC: "ftp:\/\/files.example" uses ftp:\/\/ but an RPC URL must be http, https, ws or wss$/);
    assert.throws(() => parseRpcUrlList('RPC_URL_BSC', 'bsc-dataseed.bnbchain.org'), /RPC_URL_BSC: "bsc-dataseed.bnbchain.org" is not a URL/);
    assert.throws(() => parseRpcUrlList('RPC_URL_BSC', ' , '), /RPC_URL_BSC is empty/);
  });
});

describe('toViemChain', () => {
  it('keeps viem’s chain-specific formatters and splits http from websocket URLs', () => {
    const chain = toViemChain(chainByKey('base'), { rpcUrls: ['https://a.example', 'wss://b.example'] });
    assert.equal(chain.id, 8453);
    assert.equal(chain.formatters, viemChains.base.formatters);
    assert.ok(chain.formatters, 'OP-stack formatters survive');
    assert.deepEqual(chain.rpcUrls.default.http, ['https://a.example']);
    assert.deepEqual(chain.rpcUrls.default.webSocket, ['wss://b.example']);
    assert.equal(chain.blockExplorers?.default.url, 'https://basescan.org');
  });

  it('uses the registry’s multicall3 with its deployment block, or the given one', () => {
    const eth = chainByKey('ethereum');
    assert.equal(toViemChain(eth).contracts?.multicall3?.blockCreated, 14353601);
    assert.deepEqual(toViemChain(eth).rpcUrls.default.http, eth.defaultRpcUrls);
    const other = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    assert.deepEqual(toViemChain(eth, { multicall3: other }).contracts?.multicall3, { address: other });
  });

  it('builds the devnet with multicall3 only once it is known', () => {
    const devnet = chainByKey('devnet');
    assert.equal(toViemChain(devnet).contracts?.multicall3, undefined);
    const deployed = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    const chain = toViemChain(devnet, { multicall3: deployed, rpcUrls: ['http://127.0.0.1:8545/rpc/devnet'] });
    assert.equal(chain.id, 31337);
    assert.equal(chain.contracts?.multicall3?.address, deployed);
    assert.equal(chain.nativeCurrency.symbol, 'ETH');
    assert.equal(chain.testnet, true);
  });
});

describe('explorer links', () => {
  it('links transactions and addresses, and nothing for the devnet', () => {
    const hash = `0x${'ab'.repeat(32)}`;
    assert.equal(explorerTxUrl(chainByKey('ethereum'), hash), `https://etherscan.io/tx/${hash}`);
    assert.equal(explorerAddressUrl(chainByKey('bsc'), '0xabc'), 'https://bscscan.com/address/0xabc');
    assert.equal(explorerTxUrl(chainByKey('devnet'), hash), null);
    assert.equal(explorerAddressUrl(chainByKey('devnet'), '0xabc'), null);
  });
});
