import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import { looksLikeAddress, parseAddress, toChecksumAddress } from './address.js';

const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';

function rejects(input: string, pattern: RegExp, label?: string): void {
  assert.throws(
    () => (label === undefined ? parseAddress(input) : parseAddress(input, label)),
    (e: unknown) => e instanceof UserError && e.code === 'bad_input' && pattern.test(e.message),
    `${input} should be refused with ${pattern}`,
  );
}

describe('parseAddress', () => {
  it('accepts all-lower and all-upper case and returns the checksummed form', () => {
    assert.equal(parseAddress(USDC.toLowerCase()), USDC);
    assert.equal(parseAddress(`0x${USDC.slice(2).toUpperCase()}`), USDC);
    assert.equal(parseAddress(`  ${USDC}\n`), USDC);
    assert.equal(parseAddress(`0X${USDC.slice(2)}`), USDC);
  });

  it('refuses a mixed-case address whose checksum does not match, naming the typo', () => {
    const typo = USDC.replace('A0b8', 'A0B8');
    rejects(typo, /wrong checksum — check for a typo/);
    rejects(typo, /^0xA0B869…eB48 has a wrong checksum/);
  });

  it('counts the hex digits of an address of the wrong length', () => {
    rejects(USDC.slice(0, -2), /an address is 0x followed by 40 hex digits; this one has 38/);
    rejects(`${USDC}00`, /this one has 42/);
    rejects('0x', /this one has 0/);
  });

  it('refuses the zero address, which would burn the funds', () => {
    rejects(`0x${'0'.repeat(40)}`, /zero address, which burns whatever is sent to it/);
  });

  it('refuses text that is not hex or lacks the 0x prefix', () => {
    rejects(`0x${'g'.repeat(40)}`, /not hex digits/);
    rejects(USDC.slice(2), /is not an address/);
    rejects('vitalik.eth', /is not an address/);
  });

  it('prefixes the message with the label when one is given', () => {
    rejects('0x1234', /^recipient: an address is 0x followed by 40 hex digits; this one has 4$/, 'recipient');
  });

  it('tells an address attempt from other words', () => {
    assert.equal(looksLikeAddress('0x12ab'), true);
    assert.equal(looksLikeAddress(USDC), true);
    assert.equal(looksLikeAddress('usdc'), false);
    assert.equal(looksLikeAddress('0xzz'), false);
  });
});

describe('toChecksumAddress', () => {
  it('agrees with viem\'s EIP-55 checksum on random addresses', async () => {
    const { getAddress } = await import('viem');
    const { randomBytes } = await import('node:crypto');
    for (let i = 0; i < 300; i++) {
      const lower = randomBytes(20).toString('hex');
      assert.equal(toChecksumAddress(lower), getAddress(`0x${lower}`));
    }
  });
});
