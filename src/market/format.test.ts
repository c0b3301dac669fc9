import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, formatCompact, formatPct, formatPrice } from './format.js';

describe('market formatting', () => {
  it('shows the digits that matter at every size, never a tiny price as zero', () => {
    assert.equal(formatPrice(3012.456), '$3,012.46');
    assert.equal(formatPrice(15.2), '$15.20');
    assert.equal(formatPrice(0.99984), '$0.9998');
    assert.equal(formatPrice(0.0000123456), '$0.00001235');
    assert.equal(formatPrice(2500, 'eur'), '€2,500.00');
    assert.equal(formatPrice(12, 'sek'), '12.00 SEK');
  });

  it('signs percentages and ages them in words', () => {
    assert.equal(formatPct(2.414), '+2.41%');
    assert.equal(formatPct(-0.37), '−0.37%');
    assert.equal(formatAge(1200), 'just now');
    assert.equal(formatAge(45_000), '45 s ago');
    assert.equal(formatAge(4 * 60_000), '4 min ago');
    assert.equal(formatCompact(1.234e12, 'usd'), '$1.23T');
  });
});

describe('compact amounts', () => {
  it('abbreviates with or without a currency', () => {
    assert.equal(formatCompact(45.6e9, 'usd'), '$45.60B');
    assert.equal(formatCompact(120_280_000), '120.28M');
    assert.equal(formatCompact(2e6, 'sek'), '2.00M SEK');
  });
});

describe('prices that are not prices', () => {
  it('formats zero, negatives (MACD) and non-numbers without throwing', () => {
    assert.equal(formatPrice(0), '$0.00');
    assert.equal(formatPrice(-1.5), '−$1.50');
    assert.equal(formatPrice(-0.000123), '−$0.000123');
    assert.equal(formatPrice(Number.NaN), 'n/a');
  });
});
