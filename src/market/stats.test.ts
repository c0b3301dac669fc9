import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mad, median, robustZ, weightedMedian } from './stats.js';

describe('robust statistics', () => {
  it('takes medians of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), RangeError);
  });

  it('lets weight, not count, decide the weighted median', () => {
    assert.equal(weightedMedian([100, 101, 150], [1000, 10, 10]), 100);
    assert.equal(weightedMedian([100, 101, 150], [1, 1, 1000]), 150);
    assert.equal(weightedMedian([1, 2], [0, 0]), 1.5, 'no weights: the plain median');
  });

  it('measures spread with the MAD and flags the outlier by robust z', () => {
    const prices = [3000, 3001, 2999, 3002, 30000];
    assert.equal(mad(prices), 1);
    const z = robustZ(prices);
    assert.ok(Math.abs(z[0]!) < 1);
    assert.ok(z[4]! > 1000);
    assert.deepEqual(robustZ([5, 5, 5, 6]), [0, 0, 0, Infinity]);
  });
});
