import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineCapability, type Capability } from './capability.js';
import { textReply } from './reply.js';

const base: Capability<z.ZodObject<{ tokens: z.ZodArray<z.ZodString> }>, { n: number }> = {
  name: 'get_price',
  summary: 'Current price of one or more tokens.',
  input: z.object({ tokens: z.array(z.string()).min(1) }),
  examples: ['price of eth', 'btc?'],
  effect: 'read',
  async run(_ctx, input) {
    return { data: { n: input.tokens.length }, reply: textReply('ok') };
  },
};

describe('defineCapability', () => {
  it('accepts a well-formed definition and keeps its parts', () => {
    const c = defineCapability({ ...base, cost: 3 });
    assert.equal(c.name, 'get_price');
    assert.equal(c.cost, 3);
    assert.deepEqual(c.examples, ['price of eth', 'btc?']);
    assert.ok(Object.isFrozen(c));
    for (const name of ['help', 'get_status', 'create_price_alert', 'get_24h_volume', 'swap2']) {
      assert.equal(defineCapability({ ...base, name }).name, name);
    }
  });

  it('copies the examples, so the caller editing its array changes nothing', () => {
    const examples = ['price of eth'];
    const c = defineCapability({ ...base, examples });
    examples.push('injected later');
    assert.deepEqual(c.examples, ['price of eth']);
  });

  it('refuses a name that is not snake_case', () => {
    for (const name of ['GetPrice', 'get-price', 'get price', '_get_price', 'get_price_', 'get__price', '2fa_reset', 'getPrice', '']) {
      assert.throws(() => defineCapability({ ...base, name }), (err: unknown) => err instanceof TypeError && /snake_case/.test(err.message), name);
    }
  });

  it('refuses a summary too short to tell a person anything', () => {
    for (const summary of ['', 'price', '   price    ']) {
      assert.throws(() => defineCapability({ ...base, summary }), /summary/, JSON.stringify(summary));
    }
  });

  it('refuses a capability without example phrasings', () => {
    assert.throws(() => defineCapability({ ...base, examples: [] }), /example/);
  });

  it('refuses a cost that is not a positive whole number', () => {
    for (const cost of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => defineCapability({ ...base, cost }), /cost/, String(cost));
    }
  });
});
