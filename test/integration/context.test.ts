import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatResult } from '../../src/conversation/assistant.js';
import type { UserRef } from '../../src/core/identity.js';
import type { ProgressBlock } from '../../src/core/reply.js';
import { readFixture, startReplayServer, type ReplayServer } from '../helpers/api-replay.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const text = (result: ChatResult) => JSON.stringify(result.replies);
const intentOf = (result: ChatResult) => ({ name: result.intent.name, input: result.intent.input });

describe('follow-ups and settings in conversation (devnet)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { DEVNET_MARKET_MAKER_INTERVAL_MS: '0' });
  });
  after(() => t.dispose());

  const user = (id: string): UserRef => ({ platform: 'telegram', id });
  const say = (who: UserRef, words: string, onProgress?: (p: ProgressBlock) => void) =>
    t.app.assistant.handle({ user: who, text: words, chat: { kind: 'private', id: `dm-${who.id}` } }, onProgress ? { onProgress } : {});

  it('answers "and wbtc?", "what about pepe", "chart it" and "again" from the last question', async () => {
    const ann = user('ann');
    assert.equal((await say(ann, 'price of eth')).intent.name, 'get_price');
    const wbtc = await say(ann, 'and wbtc?');
    assert.deepEqual(intentOf(wbtc), { name: 'get_price', input: { tokens: ['wbtc'] } });
    assert.match(text(wbtc), /\*\*WBTC\*\* \$/);
    assert.deepEqual(intentOf(await say(ann, 'what about pepe')), { name: 'get_price', input: { tokens: ['pepe'] } });
    const chart = await say(ann, 'chart it');
    assert.deepEqual(intentOf(chart), { name: 'get_chart', input: { token: 'pepe' } });
    assert.match(text(chart), /image\/png/);
    assert.deepEqual(intentOf(await say(ann, 'do it again')), { name: 'get_chart', input: { token: 'pepe' } });
    assert.deepEqual(intentOf(await say(ann, 'again')), { name: 'get_chart', input: { token: 'pepe' } });
    const weekly = await say(ann, 'what about this week?');
    assert.deepEqual(intentOf(weekly), { name: 'get_chart', input: { token: 'pepe', window: '7d' } });
  });

  it('answers "same for 2 eth" and "what about on base?" with the values changed', async () => {
    const ben = user('ben');
    assert.equal((await say(ben, 'convert 1 wbtc to usd')).intent.name, 'convert');
    const same = await say(ben, 'same for 2 eth');
    assert.deepEqual(intentOf(same), { name: 'convert', input: { amount: '2', from: 'eth', to: 'usd' } });
    assert.match(text(same), /2 ETH ≈ \*\*\$6,/);
    await say(ben, 'gas on devnet');
    const base = await say(ben, 'what about on base?');
    assert.deepEqual(intentOf(base), { name: 'get_gas', input: { chain: 'base' } });
    assert.match(text(base), /Base is not enabled on this Möbius/);
  });

  it("never uses one person's conversation for another", async () => {
    const cat = user('cat');
    const dan = user('dan');
    await say(cat, 'chart link 7d');
    assert.match(text(await say(dan, 'do it again')), /nothing recent to repeat/);
    // The parser may read "and wbtc?" on its own (a price), but never as Cat's chart.
    const other = await say(dan, 'and wbtc?');
    assert.notEqual(other.intent.name, 'get_chart');
    const chart = await say(dan, 'chart it');
    assert.notDeepEqual(chart.intent.input, { token: 'link' });
    assert.doesNotMatch(text(chart), /LINK/);
    assert.deepEqual(intentOf(await say(cat, 'and wbtc?')), { name: 'get_chart', input: { token: 'wbtc', window: '7d' } });
  });

  it('never repeats an action: after a confirmed export or delete, or a faucet drip, "do it again" is refused', async () => {
    const eve = user('eve');
    await say(eve, 'create a wallet called main');
    await say(eve, 'create a wallet called spare');
    const asked = await say(eve, 'export wallet main');
    assert.equal(asked.intent.name, 'export_wallet');
    const pending = async () => (await t.app.database.db.selectFrom('pending_actions').select('id').execute()).length;
    const exported = await say(eve, 'yes');
    assert.match(text(exported), /Keep it safe/);
    const key = /0x[0-9a-f]{64}/i.exec(text(exported))![0];
    const before = await pending();
    assert.match(text(await say(eve, 'do it again')), /not actions: the last thing was export_wallet/);
    assert.match(text(await say(eve, 'again')), /not actions: the last thing was export_wallet/);
    // Read on their own, without the export (the parser may take "2 eth" for the faucet).
    for (const words of ['do it again', 'again', 'same for 2 eth', 'chart it']) {
      const again = await say(eve, words);
      assert.ok(!['export_wallet', 'confirm'].includes(again.intent.name), `"${words}" ran ${again.intent.name}`);
      assert.ok(!text(again).includes(key) && !text(again).includes(key.slice(2)), `"${words}" shows no key`);
    }
    assert.equal(await pending(), before, 'no new pending action');

    await say(eve, 'delete wallet spare');
    await say(eve, 'yes');
    const again = await say(eve, 'do it again');
    assert.equal(again.intent.name, 'none');
    assert.match(text(again), /not actions: the last thing was delete_wallet/);
    assert.equal((await t.app.wallets!.list((await t.app.identities.resolve(eve)).userId)).length, 1);

    await say(eve, 'give me 1 eth');
    assert.match(text(await say(eve, 'again')), /not actions: the last thing was devnet_faucet/);
  });

  it('saves settings and shows them; refuses bad ones clearly', async () => {
    const fay = user('fay');
    const settings = await say(fay, 'my settings');
    assert.equal(settings.intent.name, 'get_preferences');
    assert.match(text(settings), /USD \(default\)/);
    assert.deepEqual(intentOf(await say(fay, 'set slippage to 0.5%')), { name: 'set_preference', input: { slippageBps: 50 } });
    const userId = (await t.app.identities.resolve(fay)).userId;
    assert.equal(await t.app.preferences.get(userId, 'slippage_bps'), 50);
    assert.match(text(await say(fay, 'set slippage to 60%')), /at most 5000 bps \(50%\)/);
    assert.match(text(await say(fay, 'set slippage to 0.001%')), /whole basis points/);
    assert.match(text(await say(fay, 'use base by default')), /Base is not served by this Möbius; it serves Möbius devnet/);
    assert.equal(await t.app.preferences.get(userId, 'chain'), undefined);
    assert.match(text(await say(fay, 'use devnet by default')), /default chain/);
    assert.match(text(await say(fay, 'set my currency to xyz')), /a fiat currency is one of/);
    await say(fay, 'set my currency to eur');
    const now = await say(fay, 'my settings');
    assert.match(text(now), /"currency","EUR"/);
    assert.match(text(now), /"default chain","Möbius devnet"/);
    assert.match(text(now), /0\.5% \(50 bps\)/);
  });
});

/** CoinGecko's recorded prices, re-dated to now. */
function simplePrice() {
  const body = readFixture('coingecko/simple-price.json');
  for (const coin of Object.values(body) as Array<{ last_updated_at: number }>) coin.last_updated_at = Math.floor(Date.now() / 1000) - 30;
  return { body };
}

describe('settings change answers; multi-chain work reports progress (devnet + ethereum)', () => {
  let api: ReplayServer;
  let t: TestApp;
  before(async () => {
    api = await startReplayServer([
      { path: '/simple/price', answer: () => simplePrice() },
      { path: '/coins/markets', answer: { fixture: 'coingecko/markets-usd.json' } },
      { path: '/search/trending', answer: { fixture: 'coingecko/trending.json' } },
    ]);
    t = await createTestApp('sqlite', {
      CHAINS: 'devnet,ethereum',
      // Never answers: Ethereum's gas and balances fail fast, prices come from the replayed API.
      RPC_URL_ETHEREUM: 'http://127.0.0.1:9/',
      PRICE_SOURCES: 'coingecko',
      COINGECKO_BASE_URL: api.url,
      DEVNET_MARKET_MAKER_INTERVAL_MS: '0',
    });
  });
  after(async () => {
    await t.dispose();
    await api.close();
  });

  const say = (id: string, words: string, onProgress?: (p: ProgressBlock) => void) =>
    t.app.assistant.handle({ user: { platform: 'web', id }, text: words }, onProgress ? { onProgress } : {});

  it('prices in the saved currency when the person names none, and only for that person', async () => {
    assert.match(text(await say('gus', 'price of eth')), /\$2,751\.43/);
    await say('gus', 'set my currency to eur');
    const euro = await say('gus', 'price of eth');
    assert.deepEqual(intentOf(euro), { name: 'get_price', input: { tokens: ['eth'] } });
    assert.match(text(euro), /€2,382\.70/);
    assert.match(text(await say('gus', 'price of eth in usd')), /\$2,751\.43/, 'a named currency wins');
    assert.match(text(await say('hal', 'price of eth')), /\$2,751\.43/, 'another person keeps the default');
    const now = await say('hal', 'now in eur');
    assert.deepEqual(intentOf(now), { name: 'get_price', input: { tokens: ['eth'], fiat: 'eur' } });
    assert.match(text(now), /€2,382\.70/);
  });

  it('uses the default chain where a capability takes an optional chain', async () => {
    const all = await say('ivy', 'gas');
    assert.match(text(all), /Ethereum/);
    await say('ivy', 'use devnet by default');
    const one = await say('ivy', 'gas');
    assert.equal(one.intent.name, 'get_gas');
    assert.doesNotMatch(text(one), /Ethereum/);
    assert.match(text(one), /Möbius devnet/);
    assert.match(text(await say('ivy', 'gas on ethereum')), /Ethereum/, 'a named chain wins');
  });

  it('sends progress updates for work across chains to onProgress, and not in the final answer', async () => {
    const updates: ProgressBlock[] = [];
    const gas = await say('jo', 'gas', (p) => updates.push(p));
    assert.deepEqual(updates, [{ type: 'progress', text: 'Checking gas on 2 chains…' }]);
    assert.ok(!gas.replies.some((r) => r.blocks.some((b) => b.type === 'progress')));

    updates.length = 0;
    await say('jo', 'balance of 0x00000000000000000000000000000000000b0b01', (p) => updates.push(p));
    assert.deepEqual(updates, [{ type: 'progress', text: 'Checking 2 chains for 1 address…' }]);

    updates.length = 0;
    await say('jo', 'market overview', (p) => updates.push(p));
    assert.equal(updates[0]?.text, 'Reading the market from CoinGecko…');
    assert.match(updates.at(-1)?.text ?? '', /^Checking \d+ assets for spikes/);
  });
});
