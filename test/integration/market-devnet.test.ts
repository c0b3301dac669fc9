import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniswapV2PairAbi } from '../../src/chain/abi.js';
import { weightedMedian } from '../../src/market/stats.js';
import { request, startTestServer, type TestServer } from '../helpers/app.js';

describe('prices on the devnet, end to end', () => {
  let server: TestServer;
  before(async () => {
    // A 1 ms cache: every question re-reads the chain, so the test sees each market move.
    server = await startTestServer('sqlite', { DEVNET_MARKET_MAKER_INTERVAL_MS: '0', PRICE_CACHE_TTL_MS: '1' });
  });
  after(() => server.dispose());

  /** WETH's USD price computed here, independently, from the pools' reserves. */
  async function wethFromPools(): Promise<number> {
    const { node } = server.app.devnet!;
    const { deployment } = node;
    const stables = new Map(deployment.tokens.filter((t) => ['USDC', 'USDT', 'DAI'].includes(t.symbol)).map((t) => [t.address.toLowerCase(), t.decimals]));
    const values: number[] = [];
    const weights: number[] = [];
    for (const pair of deployment.dexes.flatMap((d) => d.pairs)) {
      const [a, b] = [pair.token0.toLowerCase(), pair.token1.toLowerCase()];
      const weth = deployment.weth.toLowerCase();
      const stable = a === weth ? b : b === weth ? a : undefined;
      if (!stable || !stables.has(stable)) continue;
      const [r0, r1] = await node.client.readContract({ address: pair.address, abi: uniswapV2PairAbi, functionName: 'getReserves' });
      const [wethRes, stableRes] = a === weth ? [r0, r1] : [r1, r0];
      const stableUnits = Number(stableRes) / 10 ** stables.get(stable)!;
      values.push(stableUnits / (Number(wethRes) / 1e18));
      weights.push(stableUnits);
    }
    return weightedMedian(values, weights);
  }

  async function chatPrice(text: string) {
    const res = await request(server.url, 'POST', '/v1/chat', { json: { text } });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  it('prices ETH from the devnet pools and feed, saying where each number came from', async () => {
    const body = await chatPrice('price of eth');
    assert.equal(body.intent.name, 'get_price');
    const text = JSON.stringify(body.replies[0]);
    assert.match(text, /\$3,000\.00/);
    assert.match(text, /chainlink/);
    assert.match(text, /dex-pools/);
    assert.match(text, /devnet price/);
    const api = await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['eth', 'wbtc', '$pepe'] } } });
    const [eth, wbtc, pepe] = api.body.data.prices;
    assert.equal(eth.sources.length, 2);
    assert.ok(eth.confidence >= 0.8);
    assert.ok(Math.abs(wbtc.price - 90_000) / 90_000 < 0.001);
    assert.ok(Math.abs(pepe.price - 0.00001) / 0.00001 < 0.001);
    assert.equal(pepe.sources.length, 1, 'no feed for PEPE: pools only');
  });

  it('follows the market-maker: the pools move and get_price moves with them', async () => {
    const maker = server.app.devnet!.marketMaker;
    const before = (await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['weth'] } } })).body.data.prices[0];
    for (let i = 0; i < 60; i++) await maker.step();
    const expected = await wethFromPools();
    // The first question after the move may be answered from the cache (stale-while-revalidate,
    // with its age); it starts the refresh that the next question sees.
    await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['weth'] } } });
    await new Promise((r) => setTimeout(r, 50));
    const after = (await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['weth'] } } })).body.data.prices[0];
    const pools = after.sources.find((s: { name: string }) => s.name === 'dex-pools');
    assert.ok(Math.abs(pools.price - expected) / expected < 1e-9, `pools said ${pools.price}, reserves say ${expected}`);
    assert.notEqual(pools.price, before.sources.find((s: { name: string }) => s.name === 'dex-pools').price);
    const median = after.sources.filter((s: { used: boolean }) => s.used).map((s: { price: number }) => s.price);
    assert.ok(Math.min(...median) <= after.price && after.price <= Math.max(...median));
  });

  it('converts between a token and USD or another token at those prices', async () => {
    const usd = await chatPrice('2 eth in usd');
    assert.equal(usd.intent.name, 'convert');
    const eth = (await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['eth'] } } })).body.data.prices[0].price;
    const converted = (await request(server.url, 'POST', '/v1/capabilities/convert', { json: { input: { amount: '2', from: 'eth', to: 'usd' } } })).body.data;
    assert.ok(Math.abs(converted.value - 2 * eth) / (2 * eth) < 0.01);
    const link = (await request(server.url, 'POST', '/v1/capabilities/convert', { json: { input: { amount: '1000', from: 'usdc', to: 'link' } } })).body.data;
    assert.equal(link.to.symbol, 'LINK');
    assert.ok(link.value > 50 && link.value < 80, `1000 USDC ≈ 66 LINK at $15, got ${link.value}`);
    const euro = await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['eth'], fiat: 'eur' } } });
    assert.equal(euro.status, 404);
    assert.match(euro.body.error.message, /No price source covers ETH in EUR/);
  });

  it('builds candles from the pools\' own events', async () => {
    const market = server.app.market!;
    const found = await market.resolveAsset('weth');
    assert.equal(found.kind, 'token');
    const token = found.kind === 'token' ? found.token : undefined;
    const answer = await market.history.candles(market.request(token!, 'usd'), '1m', 5);
    assert.equal(answer.source, 'devnet pools');
    assert.equal(answer.candles.length, 5);
    const last = answer.candles.at(-1)!;
    const now = await wethFromPools();
    assert.ok(Math.abs(last.close - now) / now < 1e-9, `last close ${last.close}, pools ${now}`);
    assert.ok(answer.candles.some((c) => c.volume > 0), 'the market-maker\'s swaps show as volume');
    for (const c of answer.candles) assert.ok(c.low <= Math.min(c.open, c.close) && c.high >= Math.max(c.open, c.close));
  });
});
