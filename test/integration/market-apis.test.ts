import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request, startTestServer, type TestServer } from '../helpers/app.js';
import { readFixture, startReplayServer, type ReplayServer } from '../helpers/api-replay.js';

/** The recorded bodies, re-dated to now: the oracle would rightly call June 2025 stale. */
function simplePrice() {
  const body = readFixture('coingecko/simple-price.json');
  for (const coin of Object.values(body) as Array<{ last_updated_at: number }>) coin.last_updated_at = Math.floor(Date.now() / 1000) - 30;
  return { body };
}

describe('market capabilities over the market APIs (replayed)', () => {
  let api: ReplayServer;
  let server: TestServer;
  before(async () => {
    api = await startReplayServer([
      { path: '/simple/price', answer: () => simplePrice() },
      { path: '/coins/markets', answer: { fixture: 'coingecko/markets-usd.json' } },
      { path: '/search/trending', answer: { fixture: 'coingecko/trending.json' } },
      { path: '/coins/ethereum', answer: { fixture: 'coingecko/coin-ethereum.json' } },
      { path: '/api/v3/ticker/price', answer: { fixture: 'binance/ticker-price.json' } },
      { path: '/api/v3/ticker/24hr', answer: { fixture: 'binance/ticker-24hr.json' } },
      { path: '/api/v3/klines', answer: { fixture: 'binance/klines-ethusdt-1h.json' } },
      { path: /^\/latest\/dex\/tokens\//, answer: { fixture: 'dexscreener/tokens-eth-base-op.json' } },
    ]);
    server = await startTestServer('sqlite', {
      CHAINS: 'devnet,ethereum',
      // Ethereum's RPC is never reached: market APIs price it, the token lists name it.
      RPC_URL_ETHEREUM: 'http://127.0.0.1:9/',
      PRICE_SOURCES: 'coingecko,binance,dexscreener',
      COINGECKO_BASE_URL: api.url,
      BINANCE_BASE_URL: api.url,
      DEXSCREENER_BASE_URL: api.url,
      DEVNET_MARKET_MAKER_INTERVAL_MS: '0',
    });
  });
  after(async () => {
    await server.dispose();
    await api.close();
  });

  const chat = async (text: string) => (await request(server.url, 'POST', '/v1/chat', { json: { text } })).body;

  it('prices ETH (the real one, not the devnet copy) from three APIs', async () => {
    const res = await request(server.url, 'POST', '/v1/capabilities/get_price', { json: { input: { tokens: ['eth'] } } });
    assert.equal(res.status, 200, res.text);
    const price = res.body.data.prices[0];
    assert.equal(price.token.chainId, 1);
    assert.deepEqual(price.sources.map((s: { name: string }) => s.name).sort(), ['binance', 'coingecko', 'dexscreener']);
    assert.ok(price.price > 2700 && price.price < 2800, String(price.price));
    assert.ok(price.confidence > 0.9);
    assert.equal(typeof price.change24hPct, 'number');
  });

  it('gives a market overview: top coins, movers and trending', async () => {
    const body = await chat('market overview');
    assert.equal(body.intent.name, 'get_market_overview');
    const text = JSON.stringify(body.replies[0]);
    assert.match(text, /Top 6 by market cap — from CoinGecko/);
    assert.match(text, /📉 down","LINK −4.63%, ETH −3.21%, BNB −1.19%/);
    assert.match(text, /1\. BTC/);
    assert.match(text, /Biggest movers/);
    assert.match(text, /Trending on CoinGecko/);
    assert.ok(api.requestsTo('/coins/markets').length >= 1);
  });

  it('profiles ETH with market cap, supply and links', async () => {
    const res = await request(server.url, 'POST', '/v1/capabilities/get_token_info', { json: { input: { token: 'eth', chain: 'ethereum' } } });
    assert.equal(res.status, 200, res.text);
    const text = JSON.stringify(res.body.reply);
    assert.match(text, /market cap/);
    assert.match(text, /supply/);
    assert.match(text, /website/);
    assert.equal(res.body.data.native, true);
  });

  it('measures a weekly change from exchange candles', async () => {
    const res = await request(server.url, 'POST', '/v1/capabilities/get_price_change', { json: { input: { token: 'eth', window: '7d' } } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.source, 'binance');
    assert.equal(typeof res.body.data.changePct, 'number');
    const klines = api.requestsTo('/api/v3/klines').at(-1)!;
    assert.equal(klines.query.symbol, 'ETHUSDT');
    assert.equal(klines.query.interval, '1h');
  });
});
