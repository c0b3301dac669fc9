import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntentParser } from '../conversation/parser.js';
import { CapabilityRegistry } from '../core/registry.js';
import { capabilities } from './index.js';

describe('link_account in plain words', () => {
  const parser = new IntentParser(new CapabilityRegistry(capabilities), { tokenWords: ['link', 'eth', 'usdc'] });

  it('asks for a new code without one, and enters the code when one is given', () => {
    for (const text of ['link account', 'link my accounts', 'connect my other account']) {
      assert.deepEqual([parser.parse(text).name, parser.parse(text).input], ['link_account', {}], text);
    }
    for (const [text, code] of [['link ABCD-2345', 'ABCD-2345'], ['link k7qm3xpa', 'K7QM3XPA'], ['link my account with code abcd-2345', 'ABCD-2345']] as const) {
      assert.deepEqual([parser.parse(text).name, parser.parse(text).input], ['link_account', { code }], text);
    }
  });

  it('still reads LINK the token as a token', () => {
    assert.deepEqual(parser.parse('price of link').input, { tokens: ['link'] });
    assert.equal(parser.parse('link accounts').name, 'link_account');
  });
});
