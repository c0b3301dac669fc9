import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPreferencePhrase } from './preference-phrases.js';

describe('settings sentences', () => {
  const cases: Array<[string, Record<string, unknown> | undefined]> = [
    ['set my currency to eur', { fiat: 'eur' }],
    ['Change my default currency to GBP.', { fiat: 'gbp' }],
    ['default currency chf', { fiat: 'chf' }],
    ['always show prices in eur', { fiat: 'eur' }],
    ['make eur my default currency', { fiat: 'eur' }],
    ['use base by default', { chain: 'base' }],
    ['use arbitrum as my default chain', { chain: 'arbitrum' }],
    ['set default chain to ethereum', { chain: 'ethereum' }],
    ['set slippage to 0.5%', { slippageBps: 50 }],
    ['slippage 1', { slippageBps: 100 }],
    ['max slippage 30 bps', { slippageBps: 30 }],
    ['use 0.29% slippage', { slippageBps: 29 }],
    ['set slippage to 0.001%', { slippageBps: 0.1 }],
    ['price of eth in eur', undefined],
    ['show prices in eur', undefined],
    ['use savings by default', undefined],
    ['use wallet 2', undefined],
  ];
  for (const [text, input] of cases) {
    it(`reads "${text}"`, () => {
      const read = readPreferencePhrase(text);
      assert.deepEqual(read?.input, input);
      if (input) assert.equal(read?.name, 'set_preference');
    });
  }
});
