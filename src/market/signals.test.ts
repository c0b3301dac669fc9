import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSignal, detectDivergence, detectSpike } from './signals.js';
import type { Candle } from './types.js';

function series(closes: number[]): Candle[] {
  return closes.map((close, i) => ({ openTime: i * 60_000, open: close, high: close, low: close, close, volume: 1 }));
}

describe('market signals', () => {
  const calm = Array.from({ length: 40 }, (_, i) => 100 * (1 + 0.001 * Math.sin(i)));

  it('flags a last move far beyond the usual ones, either way', () => {
    const up = detectSpike(series([...calm, calm.at(-1)! * 1.05]));
    assert.equal(up?.direction, 'up');
    assert.ok(up!.pct > 4.9 && up!.pct < 5.1);
    assert.equal(detectSpike(series([...calm, calm.at(-1)! * 0.95]))?.direction, 'down');
  });

  it('stays quiet on ordinary moves, flat markets and short series', () => {
    assert.equal(detectSpike(series(calm)), undefined);
    assert.equal(detectSpike(series(Array.from({ length: 40 }, () => 5))), undefined);
    assert.equal(detectSpike(series([1, 2, 3])), undefined);
  });

  it('reports sources further apart than two swaps\' fees', () => {
    const d = detectDivergence([{ name: 'uniswap', price: 3000 }, { name: 'binance', price: 3030 }, { name: 'coingecko', price: 3010 }]);
    assert.equal(d?.high.name, 'binance');
    assert.equal(d?.low.name, 'uniswap');
    assert.ok(Math.abs(d!.pct - 1) < 1e-9);
    assert.match(describeSignal('ETH', d!), /possible arbitrage/);
    assert.equal(detectDivergence([{ name: 'a', price: 3000 }, { name: 'b', price: 3010 }]), undefined);
  });
});
