import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilities } from '../capabilities/index.js';
import { CapabilityRegistry } from '../core/registry.js';
import { IntentParser } from './parser.js';

const registry = new CapabilityRegistry(capabilities);
const parser = new IntentParser(registry);

describe('IntentParser on the real registry', () => {
  it('answers greetings with the help menu', () => {
    for (const text of ['hi', 'Hello!', 'gm', '/start', 'hey!!', 'Good morning.']) {
      assert.deepEqual(parser.parse(text), { name: 'help', input: {}, confidence: 1, source: 'builtin' }, text);
    }
  });

  it('finds "help <capability>" by full or short name', () => {
    for (const text of ['help get_status', 'help status', 'Help  STATUS', 'explain get_status']) {
      const intent = parser.parse(text);
      assert.equal(intent.name, 'help', text);
      assert.deepEqual(intent.input, { capability: 'get_status' }, text);
      assert.equal(intent.source, 'builtin');
    }
  });

  it('tolerates a typo in the capability asked about', () => {
    const intent = parser.parse('help stauts');
    assert.deepEqual({ name: intent.name, input: intent.input }, { name: 'help', input: { capability: 'get_status' } });
    assert.ok(intent.confidence < parser.parse('help status').confidence);
  });

  it('understands status phrasings, typos and shouting', () => {
    for (const text of ['status', 'stauts', 'whats ur status?', 'are you up?', 'UPTIME', 'system status', 'health check pls', 'what version are you?']) {
      const intent = parser.parse(text);
      assert.equal(intent.name, 'get_status', text);
      assert.deepEqual(intent.input, {});
      assert.equal(intent.source, 'builtin');
      assert.ok(intent.confidence >= 0.6 && intent.confidence <= 1, `${text}: ${intent.confidence}`);
    }
  });

  it('knows the help phrasings', () => {
    for (const text of ['what can you do?', 'commands', 'menu', 'how does this work']) {
      assert.equal(parser.parse(text).name, 'help', text);
    }
  });

  it('does not force off-topic text onto a capability', () => {
    for (const text of ['buy me a pizza', 'asdf qwerty', "what's the weather in Paris", 'tell me a joke', '!!!', '12345']) {
      const intent = parser.parse(text);
      assert.equal(intent.name, 'none', `${text} → ${intent.name}`);
      assert.equal(intent.source, 'none');
      assert.deepEqual(intent.input, {});
      assert.ok(intent.confidence >= 0 && intent.confidence <= 1);
    }
  });

  it('is deterministic: the same text gives the same intent, from any parser over the same registry', () => {
    const other = new IntentParser(new CapabilityRegistry(capabilities));
    for (const text of ['stauts', 'whats ur status?', 'buy me a pizza', 'help status', 'hello']) {
      const first = parser.parse(text);
      assert.deepEqual(parser.parse(text), first);
      assert.deepEqual(other.parse(text), first);
    }
  });
});

describe('IntentParser.closestExamples', () => {
  const examplesOf = new Map(capabilities.map((c) => [c.name, c.examples]));
  const owner = (phrase: string) => [...examplesOf].find(([, examples]) => examples.includes(phrase))?.[0];

  it('suggests one example per capability, best match first', () => {
    const suggestions = parser.closestExamples('what is your uptime', 3);
    assert.equal(suggestions.length, Math.min(3, capabilities.length));
    const owners = suggestions.map(owner);
    assert.ok(owners.every(Boolean), `not all suggestions are examples: ${suggestions.join(' | ')}`);
    assert.equal(new Set(owners).size, owners.length, `two suggestions of one capability: ${suggestions.join(' | ')}`);
    assert.equal(suggestions[0], 'uptime');
  });

  it('honours the count and still suggests something for gibberish', () => {
    assert.equal(parser.closestExamples('asdf qwerty', 1).length, 1);
    assert.equal(parser.closestExamples('asdf qwerty').length, Math.min(3, capabilities.length));
  });
});

describe('IntentParser with slots', () => {
  const slotted = new IntentParser(registry, { tokenWords: ['ETH', 'USDC', 'PEPE', 'LINK'] });
  const address = '0x00000000000000000000000000000000000b0b01';

  it('fills the capability\'s own fields from the message', () => {
    assert.deepEqual(slotted.parse(`balance of ${address} on base`), { name: 'get_balance', input: { address, chain: 'base' }, confidence: 1, source: 'builtin' });
    assert.deepEqual(slotted.parse('gas on arbitrum').input, { chain: 'arbitrum' });
    assert.deepEqual(slotted.parse('what is pepe').input, { token: 'pepe' });
    assert.deepEqual(slotted.parse(`fund ${address} with 1000 usdc`).input, { address, amount: '1000', token: 'usdc' });
    assert.deepEqual(slotted.parse(`how much eth does ${address} have`).input, { address, tokens: ['eth'] });
  });

  it('names the intent with less confidence when a required value is missing', () => {
    const change = slotted.parse('change 24h');
    assert.equal(change.name, 'get_price_change');
    assert.deepEqual(change.input, { window: '24h' });
    assert.ok(change.confidence < 1);
    // The faucet's address is optional (the active wallet): "give me 10 eth" is complete.
    const faucet = slotted.parse('give me 10 eth');
    assert.equal(faucet.name, 'devnet_faucet');
    assert.deepEqual(faucet.input, { amount: '10', token: 'eth' });
    assert.equal(faucet.confidence, 1);
  });
});
