import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatPnlE6, formatUsdE6, percentOf, priceToE18, valueUsdE6 } from './usd.js';

describe('USD money in millionths', () => {
  it('turns a price into 18-decimal fixed point without an exponent', () => {
    assert.equal(priceToE18(3012.45), 3012450000000000000000n);
    assert.equal(priceToE18(1), 10n ** 18n);
    assert.equal(priceToE18(0.00001), 10_000_000_000_000n);
    assert.equal(priceToE18(1.5e-7), 150_000_000_000n);
    assert.equal(priceToE18(2e21), 2n * 10n ** 39n);
    assert.throws(() => priceToE18(Number.NaN), RangeError);
  });

  it('values amounts exactly at a price, rounding down', () => {
    assert.equal(valueUsdE6(1_500_000n, 6, 1), 1_500_000n);
    assert.equal(valueUsdE6(2n * 10n ** 18n, 18, 3000), 6_000_000_000n);
    assert.equal(valueUsdE6(10n ** 8n, 8, 90_000), 90_000_000_000n);
    assert.equal(valueUsdE6(500_000_000n * 10n ** 18n, 18, 0.00001), 5_000_000_000n);
  });

  it('formats to the cent, cutting and never rounding up', () => {
    assert.equal(formatUsdE6(1_234_567_891n), '$1,234.56');
    assert.equal(formatUsdE6(0n), '$0.00');
    assert.equal(formatUsdE6(9_999n), '<$0.01');
    assert.equal(formatUsdE6(-3_100_000n), '−$3.10');
    assert.equal(formatPnlE6(12_300_000n), '+$12.30');
    assert.equal(formatPnlE6(-4_000_000n), '−$4.00');
  });

  it('gives shares in percent with two decimals', () => {
    assert.equal(percentOf(1n, 3n), 33.33);
    assert.equal(percentOf(0n, 0n), 0);
  });

  it('a value is monotonic in the amount and exact for a price in cents', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b, decimals, cents) => {
        const price = cents / 100;
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(valueUsdE6(lo, decimals, price) <= valueUsdE6(hi, decimals, price));
        // price = cents/100 exactly in decimal, so the exact value is amount × cents × 10^4 / 10^decimals.
        const exact = (hi * BigInt(cents) * 10_000n) / 10n ** BigInt(decimals);
        assert.equal(valueUsdE6(hi, decimals, price), exact);
      }),
    );
  });
});
