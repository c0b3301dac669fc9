import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmount, parseAmount, shareOf } from './amount.js';
import { UserError } from './errors.js';

describe('Amount', () => {
  it('parses decimals into exact base units', () => {
    assert.deepEqual(parseAmount('1.5', 6), { base: 1_500_000n, decimals: 6 });
    assert.equal(parseAmount('0.000000000000000001', 18).base, 1n);
    assert.equal(parseAmount('.25', 2).base, 25n);
    assert.equal(parseAmount('1,000,000', 0).base, 1_000_000n);
    assert.equal(parseAmount('123456789012345678901234567890', 18).base, 123456789012345678901234567890n * 10n ** 18n);
  });

  it('refuses more decimal places than the token has instead of rounding', () => {
    assert.throws(() => parseAmount('1.0000001', 6), (e: unknown) => e instanceof UserError && /6 decimal places/.test(e.message));
    // Trailing zeros are not precision: they are accepted.
    assert.equal(parseAmount('1.500000000', 6).base, 1_500_000n);
  });

  it('refuses text that is not a plain non-negative decimal', () => {
    for (const bad of ['', 'abc', '1e18', '-1', '1.2.3', 'NaN', '0x10', ' 1 2']) {
      assert.throws(() => parseAmount(bad, 18), UserError, bad);
    }
  });

  it('formats without floats, exactly, and truncates only when asked', () => {
    assert.equal(formatAmount({ base: 1_500_000n, decimals: 6 }), '1.5');
    assert.equal(formatAmount({ base: 1n, decimals: 18 }), '0.000000000000000001');
    assert.equal(formatAmount({ base: 0n, decimals: 18 }), '0');
    assert.equal(formatAmount({ base: 1_234_567_891n, decimals: 3 }, { group: true }), '1,234,567.891');
    assert.equal(formatAmount({ base: 1_999_999n, decimals: 6 }, { maxFractionDigits: 2 }), '1.99');
    assert.equal(formatAmount({ base: -5n, decimals: 1 }), '-0.5');
  });

  it('round-trips values beyond Number precision', () => {
    const text = '9007199254740993.000000000000000001';
    assert.equal(formatAmount(parseAmount(text, 18)), text);
  });

  it('takes shares rounding down', () => {
    assert.equal(shareOf({ base: 101n, decimals: 0 }, 1n, 2n).base, 50n);
  });
});
