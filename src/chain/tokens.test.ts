import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAddress } from 'viem';
import { DependencyError, UserError } from '../core/errors.js';
import type { Address, TokenRef } from '../core/token.js';
import { CHAINS, chainByKey, type ChainKey } from './chains.js';
import { BUNDLED_TOKEN_LISTS, TokenRegistry, type Erc20Metadata, type MetadataReader, type TokenResolution } from './tokens.js';

const USDC_ETH = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const USDC_BASE = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const UNLISTED = getAddress(`0x${'5e'.repeat(20)}`);

/** A metadata reader standing in for the chain: answers from a table, throws for anything else. */
function reader(known: Record<string, Erc20Metadata> = {}): MetadataReader & { calls: string[] } {
  const calls: string[] = [];
  const read = async (chainId: number, address: Address) => {
    calls.push(`${chainId}:${address}`);
    const meta = known[`${chainId}:${address.toLowerCase()}`];
    if (!meta) throw new Error('execution reverted: not an ERC-20');
    return meta;
  };
  return Object.assign(read, { calls });
}

function registry(keys: ChainKey[], read: MetadataReader = reader(), extra: { now?: () => number } = {}): TokenRegistry {
  return new TokenRegistry({ chains: keys.map(chainByKey), readMetadata: read, ...extra });
}

function token(r: TokenResolution): TokenRef {
  assert.equal(r.kind, 'token', JSON.stringify(r));
  return (r as Extract<TokenResolution, { kind: 'token' }>).token;
}

const META: Erc20Metadata = { name: 'Some Token', symbol: 'SOME', decimals: 9, totalSupply: 10n ** 18n };

describe('bundled token lists', () => {
  const lists = CHAINS.filter((c) => !c.devnet).map((c) => [c, BUNDLED_TOKEN_LISTS[c.key]!] as const);

  it('exist for every mainnet, for the right chain, with enough tokens', () => {
    for (const [chain, list] of lists) {
      assert.ok(list, chain.key);
      assert.equal(list.chainId, chain.id, chain.key);
      assert.ok(list.tokens.length >= 10, `${chain.key} has ${list.tokens.length} tokens`);
      assert.ok(list.source.length > 20, chain.key);
    }
    assert.equal(BUNDLED_TOKEN_LISTS.devnet, undefined);
  });

  it('hold checksummed, unique, non-zero addresses, unique symbols and sane decimals', () => {
    for (const [chain, list] of lists) {
      const addresses = list.tokens.map((t) => t.address.toLowerCase());
      assert.equal(new Set(addresses).size, addresses.length, `${chain.key} repeats an address`);
      const symbols = list.tokens.map((t) => t.symbol.toLowerCase());
      assert.equal(new Set(symbols).size, symbols.length, `${chain.key} repeats a symbol`);
      for (const t of list.tokens) {
        assert.equal(getAddress(t.address), t.address, `${chain.key} ${t.symbol}`);
        assert.notEqual(BigInt(t.address), 0n);
        assert.ok(Number.isInteger(t.decimals) && t.decimals >= 0 && t.decimals <= 18, `${chain.key} ${t.symbol} decimals ${t.decimals}`);
        assert.ok(t.name.length > 0 && /^\S+$/.test(t.symbol), `${chain.key} ${t.symbol}`);
        assert.notEqual(t.symbol, chain.native.symbol, `${chain.key}: the native coin comes from the registry, not the list`);
      }
    }
  });

  it('give USDC 6 decimals wherever it lives, except the 18-decimal Binance-Peg USDC on BSC', () => {
    let seen = 0;
    for (const [chain, list] of lists) {
      for (const t of list.tokens.filter((t) => t.symbol.startsWith('USDC') || t.symbol === 'USDbC')) {
        seen++;
        assert.equal(t.decimals, chain.key === 'bsc' ? 18 : 6, `${chain.key} ${t.symbol}`);
      }
    }
    assert.ok(seen >= 12);
  });

  it('include each chain’s wrapped native coin under the registry’s symbol', () => {
    for (const [chain, list] of lists) {
      const wrapped = list.tokens.find((t) => t.address === chain.wrappedNative.address);
      assert.equal(wrapped?.symbol, chain.wrappedNative.symbol, chain.key);
    }
  });

  it('agree with each other on well-known cross-chain facts', () => {
    const at = (key: ChainKey, symbol: string) => BUNDLED_TOKEN_LISTS[key]!.tokens.find((t) => t.symbol === symbol)!;
    assert.equal(at('ethereum', 'USDC').address, USDC_ETH);
    assert.equal(at('base', 'USDC').address, USDC_BASE);
    assert.equal(at('ethereum', 'WBTC').decimals, 8);
    assert.equal(at('ethereum', 'USDT').decimals, 6);
    assert.equal(at('bsc', 'USDT').decimals, 18);
    // Optimism and Base share OP-stack predeploys.
    assert.equal(at('base', 'WETH').address, at('optimism', 'WETH').address);
  });
});

describe('TokenRegistry basics', () => {
  it('lists the native coin first, then the bundled tokens', () => {
    const r = registry(['polygon']);
    const list = r.list(137);
    assert.deepEqual(list[0], { chainId: 137, address: 'native', symbol: 'POL', decimals: 18, name: 'POL' });
    assert.equal(list.length, BUNDLED_TOKEN_LISTS.polygon!.tokens.length + 1);
    assert.deepEqual(r.native(137), list[0]);
  });

  it('finds by symbol across enabled chains in preference order, "$" and case ignored', () => {
    const r = registry(['base', 'ethereum', 'bsc']);
    assert.deepEqual(
      r.bySymbol('$usdc').map((t) => t.chainId),
      [8453, 1, 56],
    );
    assert.deepEqual(r.bySymbol('USDC', 1).map((t) => t.address), [USDC_ETH]);
    assert.deepEqual(r.bySymbol('bnb').map((t) => t.address), ['native']);
  });

  it('finds bundled tokens by address in any case, without the network', () => {
    const r = registry(['ethereum'], async () => assert.fail('no network for bundled tokens'));
    assert.equal(r.byAddress(1, USDC_ETH.toLowerCase() as Address)?.symbol, 'USDC');
    assert.equal(r.byAddress(1, UNLISTED), undefined);
    assert.equal(r.byAddress(8453, USDC_BASE), undefined, 'base is not enabled');
    assert.equal(r.coingeckoId({ chainId: 1, address: USDC_ETH }), 'usd-coin');
  });

  it('refuses chains that are not enabled', () => {
    const r = registry(['ethereum']);
    assert.throws(() => r.list(8453), (e: unknown) => e instanceof UserError && e.code === 'bad_input' && /8453 is not enabled/.test(e.message));
  });

  it('adds devnet tokens under their real symbols, flagged as devnet copies', async () => {
    const r = registry(['devnet']);
    const symbols = ['WETH', 'USDC', 'USDT', 'DAI', 'WBTC', 'LINK', 'UNI', 'PEPE'];
    const decimals: Record<string, number> = { USDC: 6, USDT: 6, WBTC: 8 };
    r.addTokens(
      31337,
      symbols.map((symbol, i) => ({ chainId: 31337, address: getAddress(`0x${(i + 1).toString(16).padStart(40, 'a')}`), symbol, decimals: decimals[symbol] ?? 18 })),
    );
    assert.deepEqual(
      r.list(31337).map((t) => t.symbol),
      ['ETH', ...symbols],
    );
    assert.ok(r.list(31337).every((t) => t.devnet === true));
    const usdc = token(await r.resolve('usdc'));
    assert.equal(usdc.decimals, 6);
    assert.equal(usdc.devnet, true);
    // A redeployment replaces the entry at the same address instead of adding a twin.
    r.addTokens(31337, [{ chainId: 31337, address: usdc.address, symbol: 'USDC', decimals: 6, name: 'USD Coin' }]);
    assert.equal(r.bySymbol('USDC').length, 1);
    assert.equal(r.bySymbol('USDC')[0]!.name, 'USD Coin');
    assert.throws(() => r.addTokens(31337, [{ chainId: 1, address: UNLISTED, symbol: 'X', decimals: 18 }]), /is for chain 1/);
  });
});

describe('TokenRegistry.resolve by words', () => {
  const all: ChainKey[] = ['ethereum', 'base', 'arbitrum', 'optimism', 'polygon', 'bsc', 'avalanche', 'pulsechain'];

  it('resolves a symbol found on one enabled chain', async () => {
    assert.equal(token(await registry(['ethereum']).resolve('usdc')).address, USDC_ETH);
    assert.equal(token(await registry(['ethereum']).resolve('  USDC ')).address, USDC_ETH);
  });

  it('asks which chain when the symbol lives on several, in the chains’ preference order', async () => {
    const r = await registry(['base', 'ethereum', 'arbitrum']).resolve('usdc');
    assert.equal(r.kind, 'ambiguous');
    if (r.kind !== 'ambiguous') return;
    assert.deepEqual(
      r.candidates.map((t) => t.chainId),
      [8453, 1, 42161],
    );
    assert.equal(r.question, 'USDC on which chain: Base, Ethereum or Arbitrum?');
  });

  it('lets preferChainId break the tie', async () => {
    const t = token(await registry(['base', 'ethereum', 'arbitrum']).resolve('usdc', { preferChainId: 42161 }));
    assert.equal(t.address, '0xaf88d065e77c8cC2239327C5EDb3A432268e5831');
  });

  for (const words of ['usdc on base', 'USDC on Base', 'base usdc', "base's usdc", 'usdc (base)', 'USDC in base', '$usdc on 8453']) {
    it(`reads the chain out of "${words}"`, async () => {
      assert.equal(token(await registry(all).resolve(words)).address, USDC_BASE);
    });
  }

  it('reads "arbitrum\'s usdc" as native USDC, not the bridged USDC.e', async () => {
    assert.equal(token(await registry(all).resolve("arbitrum's usdc")).symbol, 'USDC');
    assert.equal(token(await registry(all).resolve('usdc.e on arbitrum')).address, '0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8');
  });

  it('strips "$" and ignores case: "$pepe"', async () => {
    assert.equal(token(await registry(['ethereum']).resolve('$pepe')).address, '0x6982508145454Ce325dDbE47a25d4ec3d2311933');
    const r = await registry(['ethereum', 'arbitrum', 'bsc']).resolve('$PEPE');
    assert.equal(r.kind, 'ambiguous');
    assert.deepEqual(r.kind === 'ambiguous' && r.candidates.map((t) => t.chainId), [1, 42161, 56]);
  });

  it('reads eth and ether as the native coin, and as WETH where ETH is not native', async () => {
    assert.equal(token(await registry(['ethereum']).resolve('eth')).address, 'native');
    assert.equal(token(await registry(['ethereum', 'polygon']).resolve('ether', { chainId: 1 })).address, 'native');
    assert.equal(token(await registry(all).resolve('eth on arbitrum')).address, 'native');
    assert.equal(token(await registry(all).resolve('weth on arbitrum')).address, '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1');
    const polygonEth = token(await registry(all).resolve('eth on polygon'));
    assert.equal(polygonEth.symbol, 'WETH');
    assert.equal(polygonEth.chainId, 137);
    assert.equal(token(await registry(all).resolve('eth mainnet')).chainId, 1);
  });

  it('maps bitcoin to the chain’s wrapped bitcoin where there is no native BTC', async () => {
    assert.equal(token(await registry(['ethereum']).resolve('bitcoin')).symbol, 'WBTC');
    assert.equal(token(await registry(['bsc']).resolve('btc')).symbol, 'BTCB');
    assert.equal(token(await registry(['avalanche']).resolve('Bitcoin')).symbol, 'BTC.b');
    assert.equal(token(await registry(['base']).resolve('btc')).symbol, 'cbBTC');
  });

  it('understands token names', async () => {
    const r = registry(['ethereum']);
    assert.equal(token(await r.resolve('chainlink')).symbol, 'LINK');
    assert.equal(token(await r.resolve('Uniswap')).symbol, 'UNI');
    assert.equal(token(await r.resolve('tether')).symbol, 'USDT');
    assert.equal(token(await r.resolve('shiba inu')).symbol, 'SHIB');
    assert.equal(token(await registry(['bsc']).resolve('pancakeswap')).symbol, 'CAKE');
  });

  it('tells a chain word from the token it shares a name with', async () => {
    const r = registry(['ethereum', 'arbitrum', 'optimism']);
    const arb = token(await r.resolve('arb on arbitrum'));
    assert.equal(arb.symbol, 'ARB');
    assert.equal(arb.chainId, 42161);
    const op = token(await r.resolve('op'));
    assert.equal(op.symbol, 'OP');
    assert.equal(token(await r.resolve('usdc on op')).chainId, 10);
    assert.equal(token(await registry(['bsc']).resolve('bnb')).address, 'native');
  });

  it('stays on the chain given by options.chainId, but chain words win', async () => {
    const r = registry(all);
    assert.equal(token(await r.resolve('usdc', { chainId: 137 })).address, '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359');
    assert.equal(token(await r.resolve('usdc on base', { chainId: 137 })).address, USDC_BASE);
  });

  it('refuses chain words naming a chain that is not enabled', async () => {
    await assert.rejects(registry(['ethereum']).resolve('usdc on polygon'), (e: unknown) => e instanceof UserError && e.code === 'bad_input' && /137 is not enabled/.test(e.message));
  });

  it('suggests close symbols for an unknown one', async () => {
    const r = registry(['ethereum']);
    const usdcc = await r.resolve('usdcc');
    assert.equal(usdcc.kind, 'unknown');
    assert.equal(usdcc.kind === 'unknown' && usdcc.suggestions[0], 'USDC', 'the closest symbol comes first');
    assert.ok(usdcc.kind === 'unknown' && usdcc.suggestions.length <= 5);
    const pepee = await r.resolve('$pepee');
    assert.equal(pepee.kind, 'unknown');
    assert.ok(pepee.kind === 'unknown' && pepee.suggestions.includes('PEPE'));
    assert.deepEqual(await r.resolve('zzzzzzzz'), { kind: 'unknown', query: 'zzzzzzzz', suggestions: [] });
    assert.deepEqual(await r.resolve(''), { kind: 'unknown', query: '', suggestions: [] });
    assert.equal(token(await r.resolve('usdc on')).address, USDC_ETH, 'a dangling "on" is no part of the symbol');
  });
});

describe('TokenRegistry addresses', () => {
  it('resolves a bundled address without reading the chain, in any case and with chain words', async () => {
    const read = reader();
    const r = registry(['ethereum', 'base'], read);
    assert.equal(token(await r.resolve(USDC_ETH.toLowerCase())).symbol, 'USDC');
    assert.equal(token(await r.resolve(`${USDC_BASE.toLowerCase()} on base`)).chainId, 8453);
    assert.deepEqual(read.calls, []);
  });

  it('asks which chain when one address is a token on several', async () => {
    const r = await registry(['base', 'optimism']).resolve('0x4200000000000000000000000000000000000006');
    assert.equal(r.kind, 'ambiguous');
    assert.equal(r.kind === 'ambiguous' && r.question, 'WETH on which chain: Base or Optimism?');
  });

  it('reads an unlisted token from the chain once, then from the cache', async () => {
    const read = reader({ [`8453:${UNLISTED.toLowerCase()}`]: META });
    const r = registry(['base'], read);
    const t = token(await r.resolve(UNLISTED.toLowerCase()));
    assert.deepEqual(t, { chainId: 8453, address: UNLISTED, symbol: 'SOME', decimals: 9, name: 'Some Token' });
    assert.deepEqual(await r.lookupAddress(8453, UNLISTED), t);
    assert.equal(read.calls.length, 1);
  });

  it('finds which enabled chain an unlisted address is a token on', async () => {
    const read = reader({ [`42161:${UNLISTED.toLowerCase()}`]: META });
    const t = token(await registry(['ethereum', 'arbitrum', 'base'], read).resolve(`buy ${UNLISTED}`));
    assert.equal(t.chainId, 42161);
  });

  it('answers unknown for an address that is no token anywhere, and lookupAddress says so', async () => {
    const r = registry(['ethereum', 'base']);
    assert.deepEqual(await r.resolve(UNLISTED), { kind: 'unknown', query: UNLISTED, suggestions: [] });
    await assert.rejects(r.lookupAddress(1, UNLISTED), (e: unknown) => e instanceof UserError && e.code === 'unknown_token' && /no ERC-20 token at 0x5e5e5e…5e5e on Ethereum/i.test(e.message));
  });

  it('remembers a missing token for a short time only', async () => {
    let now = 1_000_000;
    const read = reader();
    const r = registry(['ethereum'], read, { now: () => now });
    await assert.rejects(r.lookupAddress(1, UNLISTED), UserError);
    await assert.rejects(r.lookupAddress(1, UNLISTED), UserError);
    assert.equal(read.calls.length, 1, 'the second miss came from the cache');
    now += 61_000;
    await assert.rejects(r.lookupAddress(1, UNLISTED), UserError);
    assert.equal(read.calls.length, 2, 'an expired miss is read again');
  });

  it('does not remember an RPC outage as a missing token', async () => {
    let calls = 0;
    const r = registry(['ethereum'], async () => {
      calls++;
      throw new DependencyError('Ethereum RPC');
    });
    await assert.rejects(r.lookupAddress(1, UNLISTED), DependencyError);
    await assert.rejects(r.resolve(UNLISTED), DependencyError);
    assert.equal(calls, 2);
  });

  it('shares one chain read between concurrent lookups of the same address', async () => {
    const read = reader({ [`1:${UNLISTED.toLowerCase()}`]: META });
    const r = registry(['ethereum'], read);
    const [a, b] = await Promise.all([r.lookupAddress(1, UNLISTED), r.lookupAddress(1, UNLISTED)]);
    assert.deepEqual(a, b);
    assert.equal(read.calls.length, 1);
  });

  it('refuses metadata that no ERC-20 would report, and cleans what it keeps', async () => {
    const bad = UNLISTED;
    const odd = getAddress(`0x${'7f'.repeat(20)}`);
    const read = reader({
      [`1:${bad.toLowerCase()}`]: { ...META, decimals: 300 },
      [`1:${odd.toLowerCase()}`]: { ...META, symbol: `  X\u0000Y${'Z'.repeat(40)}`, name: 'n\nn' },
    });
    const r = registry(['ethereum'], read);
    await assert.rejects(r.lookupAddress(1, bad), (e: unknown) => e instanceof UserError && e.code === 'unknown_token' && /does not behave like an ERC-20/.test(e.message));
    const t = await r.lookupAddress(1, odd);
    assert.equal(t.symbol, `XY${'Z'.repeat(30)}`);
    assert.equal(t.name, 'nn');
  });

  it('flags tokens read on the devnet as devnet copies', async () => {
    const read = reader({ [`31337:${UNLISTED.toLowerCase()}`]: META });
    assert.equal((await registry(['devnet'], read).lookupAddress(31337, UNLISTED)).devnet, true);
  });

  it('refuses malformed addresses with a clear message', async () => {
    const r = registry(['ethereum']);
    await assert.rejects(r.resolve('send to 0x1234'), (e: unknown) => e instanceof UserError && e.code === 'bad_input' && /this one has 4/.test(e.message));
    await assert.rejects(r.resolve(USDC_ETH.replace('A0b8', 'A0B8')), (e: unknown) => e instanceof UserError && /wrong checksum/.test(e.message));
    await assert.rejects(r.lookupAddress(1, `0x${'0'.repeat(40)}`), (e: unknown) => e instanceof UserError && /zero address/.test(e.message));
  });
});
