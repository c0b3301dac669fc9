import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractSlots } from './slots.js';

const known = new Set(['eth', 'usdc', 'pepe', 'link']);

describe('extractSlots', () => {
  it('finds an address, a chain after "on", and an amount with its token', () => {
    const slots = extractSlots('fund 0xAbC0000000000000000000000000000000000001 with 1,500.5 usdc on base', known);
    assert.equal(slots.address, '0xAbC0000000000000000000000000000000000001');
    assert.equal(slots.chain, 'base');
    assert.equal(slots.amount, '1500.5');
    assert.equal(slots.token, 'usdc');
    assert.equal(slots.rest, 'fund 0x with');
  });

  it('expands k and m exactly, without floats', () => {
    assert.equal(extractSlots('give me 1.5k usdc').amount, '1500');
    assert.equal(extractSlots('give me 2.5m pepe').amount, '2500000');
    assert.equal(extractSlots('give me 1.23456k link').amount, '1234.56');
    assert.equal(extractSlots('send .5 eth').amount, '.5');
  });

  it('keeps an address of the wrong length so the capability can say what is wrong with it', () => {
    assert.equal(extractSlots('balance of 0x1234').address, '0x1234');
  });

  it('reads "$ticker" and a known symbol on its own, but not chain words as tokens', () => {
    assert.equal(extractSlots('info on $link').token, 'link');
    assert.equal(extractSlots('what is pepe', known).token, 'pepe');
    const gas = extractSlots('gas on eth mainnet', known);
    assert.equal(gas.chain, 'ethereum');
    assert.equal(gas.token, undefined);
    assert.equal(gas.rest, 'gas');
  });

  it('leaves text without slots alone', () => {
    assert.deepEqual(extractSlots('chain status', known), { rest: 'chain status' });
    assert.equal(extractSlots('10 of them').token, undefined);
  });
});
