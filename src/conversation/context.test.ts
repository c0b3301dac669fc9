import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilities } from '../capabilities/index.js';
import type { Invocation } from '../capabilities/invoke.js';
import type { UserRef } from '../core/identity.js';
import { CapabilityRegistry } from '../core/registry.js';
import { ConversationContext } from './context.js';
import { IntentParser } from './parser.js';

const registry = new CapabilityRegistry(capabilities);
const parser = new IntentParser(registry, { tokenWords: ['eth', 'btc', 'sol', 'usdc', 'link', 'pepe'] });
const alice: UserRef = { platform: 'telegram', id: 'alice' };
const bob: UserRef = { platform: 'telegram', id: 'bob' };

function setUp(ttlMs = 60_000) {
  let now = 1_000;
  const context = new ConversationContext({ parser, registry, ttlMs, now: () => now });
  /** Records a successful run of `name` for `user`, as the invoker step does. */
  const ran = async (user: UserRef, name: string, input: Record<string, unknown>, options: { source?: Invocation['request']['source']; requestId?: string } = {}) => {
    const capability = registry.get(name);
    const inv = {
      request: { name, input, principal: { userId: `u-${user.id}`, ref: user, tier: 'free' }, source: options.source ?? 'builtin', requestId: options.requestId ?? `r-${Math.random()}` },
      capability,
      input: capability.input.parse(input),
      ctx: {},
    } as unknown as Invocation;
    await context.remember(inv, () => Promise.resolve());
  };
  const read = (user: UserRef, text: string) => context.read(`${user.platform}:${user.id}`, text);
  const meant = (user: UserRef, text: string) => {
    const reading = read(user, text);
    assert.equal(reading?.kind, 'intent', `"${text}" should be read as a follow-up, got ${JSON.stringify(reading)}`);
    return reading.kind === 'intent' ? { name: reading.intent.name, input: reading.intent.input } : undefined;
  };
  return { context, ran, read, meant, advance: (ms: number) => (now += ms) };
}

describe('conversation context: follow-ups', () => {
  it('reads "and sol?" and "what about btc" as the last question about another token', async () => {
    const { ran, meant } = setUp();
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.deepEqual(meant(alice, 'and sol?'), { name: 'get_price', input: { tokens: ['sol'] } });
    assert.deepEqual(meant(alice, 'what about btc'), { name: 'get_price', input: { tokens: ['btc'] } });
    await ran(alice, 'get_chart', { token: 'eth', window: '7d' });
    assert.deepEqual(meant(alice, 'And SOL?'), { name: 'get_chart', input: { token: 'sol', window: '7d' } });
  });

  it('reads "what about on base?", "now in eur", "weekly?" and "rsi?" as the last question with one value changed', async () => {
    const { ran, meant } = setUp();
    await ran(alice, 'get_gas', { chain: 'ethereum' });
    assert.deepEqual(meant(alice, 'what about on base?'), { name: 'get_gas', input: { chain: 'base' } });
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.deepEqual(meant(alice, 'now in eur'), { name: 'get_price', input: { tokens: ['eth'], fiat: 'eur' } });
    await ran(alice, 'get_chart', { token: 'eth' });
    assert.deepEqual(meant(alice, 'how about this week?'), { name: 'get_chart', input: { token: 'eth', window: '7d' } });
    // The parser may read "rsi?" on its own (indicators) or not (then: the chart with RSI); eth either way.
    const rsi = meant(alice, 'rsi?');
    assert.ok(rsi?.name === 'get_indicators' || rsi?.name === 'get_chart', rsi?.name);
    assert.equal((rsi?.input as { token: string }).token, 'eth');
  });

  it('reads "same for 2 eth" as the last conversion with a new amount and token', async () => {
    const { ran, meant } = setUp();
    await ran(alice, 'convert', { amount: '1', from: 'btc', to: 'usd' });
    assert.deepEqual(meant(alice, 'same for 2 eth'), { name: 'convert', input: { amount: '2', from: 'eth', to: 'usd' } });
  });

  it('reads "do it again" and "again" as the last question once more', async () => {
    const { ran, meant } = setUp();
    await ran(alice, 'get_price_change', { token: 'link', window: '24h' });
    assert.deepEqual(meant(alice, 'do it again'), { name: 'get_price_change', input: { token: 'link', window: '24h' } });
    assert.deepEqual(meant(alice, 'again'), { name: 'get_price_change', input: { token: 'link', window: '24h' } });
  });

  it('carries the last token into a new question: "chart it", "info on that"', async () => {
    const { ran, meant } = setUp();
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.deepEqual(meant(alice, 'chart it'), { name: 'get_chart', input: { token: 'eth' } });
    assert.deepEqual(meant(alice, 'info on that'), { name: 'get_token_info', input: { token: 'eth' } });
  });

  it('leaves messages the parser reads on its own alone', async () => {
    const { ran, read } = setUp();
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.equal(read(alice, 'chart btc 7d'), undefined);
    assert.equal(read(alice, 'gas on base'), undefined);
    assert.equal(read(alice, 'what about the weather tomorrow'), undefined);
  });

  it('forgets a conversation after its time to live', async () => {
    const { ran, read, meant, advance } = setUp(30 * 60_000);
    await ran(alice, 'get_price', { tokens: ['eth'] });
    advance(29 * 60_000);
    assert.deepEqual(meant(alice, 'and sol?'), { name: 'get_price', input: { tokens: ['sol'] } });
    advance(2 * 60_000);
    assert.equal(read(alice, 'and sol?'), undefined);
    assert.equal(read(alice, 'again')?.kind, 'answer', 'nothing left to repeat');
  });

  it("never reads one identity's message with another identity's context", async () => {
    const { ran, read, meant } = setUp();
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.equal(read(bob, 'and sol?'), undefined);
    assert.equal(read(bob, 'chart it')?.kind, undefined);
    assert.match((read(bob, 'do it again') as { text: string }).text, /nothing recent to repeat/);
    // The same person on another platform is another identity.
    assert.equal(read({ platform: 'discord', id: 'alice' }, 'and sol?'), undefined);
    assert.deepEqual(meant(alice, 'and sol?'), { name: 'get_price', input: { tokens: ['sol'] } });
  });

  it('never repeats or carries anything from an action: export, delete, import, faucet', async () => {
    const { ran, read } = setUp();
    for (const [name, input] of [
      ['export_wallet', { wallet: 'main' }],
      ['delete_wallet', { wallet: 'main' }],
      ['devnet_faucet', { token: 'eth', amount: '1' }],
      ['set_preference', { fiat: 'eur' }],
    ] as const) {
      await ran(alice, 'get_price', { tokens: ['eth'] });
      await ran(alice, name, input);
      const again = read(alice, 'do it again');
      assert.equal(again?.kind, 'answer', `${name}: "do it again" is answered, not run`);
      assert.match((again as { text: string }).text, new RegExp(`not actions: the last thing was ${name}`));
      assert.equal(read(alice, 'same for 2 eth'), undefined, `${name}: no follow-up builds on an action`);
      assert.equal(read(alice, 'chart it'), undefined, `${name}: no token carried across an action`);
    }
  });

  it('keeps the write, not the "confirm" around it, as what a "yes" did', async () => {
    const { ran, read } = setUp();
    await ran(alice, 'export_wallet', { wallet: 'main' }, { requestId: 'r-yes' });
    await ran(alice, 'confirm', {}, { requestId: 'r-yes' });
    assert.match((read(alice, 'again') as { text: string }).text, /last thing was export_wallet/);
  });

  it('never remembers a key: an import is no follow-up and its input is not kept', async () => {
    const { ran, read } = setUp();
    const key = `0x${'ab'.repeat(32)}`;
    await ran(alice, 'import_wallet', { privateKey: key, name: 'hot' });
    assert.equal(read(alice, 'again')?.kind, 'answer');
    assert.equal(read(alice, 'same for 2 eth'), undefined);
    // A message carrying a key is never merged into a follow-up either.
    await ran(alice, 'get_price', { tokens: ['eth'] });
    assert.equal(read(alice, `and ${key.slice(2)}`), undefined);
    await ran(alice, 'get_chart', { token: 'eth' });
    assert.equal(read(alice, `and ${key}`), undefined, 'a key is never taken for a token');
    assert.equal(read(alice, `what about ${key.slice(2)}?`), undefined);
  });

  it('ignores runs from the HTTP API and MCP: only conversations have follow-ups', async () => {
    const { ran, read } = setUp();
    await ran(alice, 'get_price', { tokens: ['eth'] }, { source: 'api' });
    await ran(alice, 'get_price', { tokens: ['eth'] }, { source: 'mcp' });
    assert.equal(read(alice, 'and sol?'), undefined);
  });
});
