import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { capabilities } from '../capabilities/index.js';
import { CapabilityRegistry } from '../core/registry.js';
import { IntentParser } from './parser.js';
import { knownTokenWords } from './token-words.js';

// Speed is the benchmark's business (bench/parser.bench.ts); here only that nothing breaks.
describe('IntentParser on any text', () => {
  const parser = new IntentParser(new CapabilityRegistry(capabilities), { tokenWords: knownTokenWords(), memo: false });
  const names = new Set([...capabilities.map((c) => c.name), 'none']);

  const check = (text: string) => {
    const intent = parser.parse(text);
    assert.ok(names.has(intent.name), intent.name);
    assert.ok(intent.confidence >= 0 && intent.confidence <= 1, String(intent.confidence));
    assert.ok(intent.source === 'builtin' || intent.source === 'none');
  };

  it('never throws and always answers a known intent, for any string up to 4 KB', () => {
    fc.assert(fc.property(fc.string({ maxLength: 4096, unit: 'binary' }), (text) => check(text)), { numRuns: 300 });
  });

  it('never throws on crypto-shaped word salad', () => {
    const word = fc.constantFrom('eth', 'btc', '$pepe', '0x', '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045', 'vitalik.eth', 'on', 'base', 'in', 'to', 'usd', '1.5k', '2,000', '$50', '€20', '25%', 'half', 'all', 'my', 'wallet', 'rename', 'called', '"x"', 'above', 'below', 'up', '5%', '24h', 'this week', 'rsi', 'chart', 'price', 'link', 'ABCD-2345', 'help', '?', '🚀', 'pump', 'ape into', 'etherum');
    fc.assert(fc.property(fc.array(word, { maxLength: 40 }), (words) => check(words.join(' '))), { numRuns: 500 });
  });
});
