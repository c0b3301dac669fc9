import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { numberToHex } from 'viem';
import { request, startTestServer, type TestServer } from '../helpers/app.js';

describe('charts and indicators from devnet history', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { DEVNET_MARKET_MAKER_INTERVAL_MS: '0', PRICE_CACHE_TTL_MS: '1' });
    // Ten hours of market in a few seconds: each step moves the chain clock five minutes on.
    const { node, marketMaker } = server.app.devnet!;
    for (let i = 0; i < 120; i++) {
      await node.request({ method: 'evm_increaseTime', params: [numberToHex(300)] });
      await marketMaker.step();
    }
  });
  after(() => server.dispose());

  it('draws a candlestick chart with volume and an RSI pane as a real PNG', async () => {
    const res = await request(server.url, 'POST', '/v1/chat', { json: { text: 'chart eth 7d with rsi' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.intent.name, 'get_chart');
    const image = res.body.replies[0].blocks.find((b: { type: string }) => b.type === 'image');
    assert.equal(image.mime, 'image/png');
    const png = PNG.sync.read(Buffer.from(image.base64, 'base64'));
    assert.equal(png.width, 1000);
    assert.equal(png.height, 600);
    const colours = new Set<number>();
    let green = 0;
    let red = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      colours.add((r << 16) | (g << 8) | b);
      if (g > 140 && r < 100 && b < 140) green++;
      if (r > 180 && g < 100 && b < 100) red++;
    }
    assert.ok(colours.size > 50, `a drawn chart has many colours, this one ${colours.size}`);
    // The same (cached) candles the chart was drawn from: each direction present is drawn in its colour.
    const market = server.app.market!;
    const eth = await market.resolveAsset('eth');
    const { candles } = await market.history.candles(market.request(eth.kind === 'token' ? eth.token : (undefined as never), 'usd'), '1h', 168);
    const ups = candles.filter((c) => c.close > c.open).length;
    const downs = candles.filter((c) => c.close < c.open).length;
    assert.ok(ups + downs >= 3, `the market moved: ${ups} up and ${downs} down candles`);
    if (ups > 0) assert.ok(green > 50, `${ups} up candles drawn green (${green} px)`);
    if (downs > 0) assert.ok(red > 50, `${downs} down candles drawn red (${red} px)`);
    assert.match(res.body.replies[0].blocks[1].text, /1h candles from devnet pools/);
  });

  it('reads indicators in plain words', async () => {
    const res = await request(server.url, 'POST', '/v1/capabilities/get_indicators', { json: { input: { token: 'eth', interval: '5m' } } });
    assert.equal(res.status, 200, res.text);
    const names = res.body.data.readings.map((r: { name: string }) => r.name);
    for (const name of ['RSI(14)', 'SMA(20)', 'ATR(14)']) assert.ok(names.some((n: string) => n.startsWith(name.split('(')[0]!)), `${name} in ${names.join(', ')}`);
    const rsi = res.body.data.readings.find((r: { name: string }) => r.name.startsWith('RSI'));
    assert.ok(rsi.value >= 0 && rsi.value <= 100);
    assert.match(rsi.reading, /overbought|oversold|neutral|momentum|between/i);
    assert.equal(res.body.data.candles, 100);
  });

  it('says how many candles are missing instead of inventing indicators', async () => {
    const res = await request(server.url, 'POST', '/v1/capabilities/get_indicators', { json: { input: { token: 'eth', interval: '1d' } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /needs at least \d+ candles; only \d+/);
  });
});
