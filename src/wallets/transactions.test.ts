import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import type { Address } from '../core/token.js';
import { IdentityStore } from './identities.js';
import { assetKey, TransactionStore } from './transactions.js';

const A = '0x00000000000000000000000000000000000A11CE' as Address;
const B = '0x0000000000000000000000000000000000000B0B' as Address;
const OTHER = '0x00000000000000000000000000000000000C0FFE' as Address;
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address;
const E18 = 10n ** 18n;
const USD = (n: number) => BigInt(Math.round(n * 1e6));

/** A clock that moves one second per reading, so rows have distinct, ordered times. */
function steppingClock(start = Date.parse('2025-03-01T00:00:00Z')) {
  let t = start;
  return () => new Date((t += 1000));
}

for (const c of databaseCases()) {
  describe(`TransactionStore on ${c.name}`, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let userId: string;
    let otherUser: string;
    let store: TransactionStore;
    before(async () => {
      handle = await c.open({ migrated: true });
      const identities = new IdentityStore(handle.db);
      userId = (await identities.resolve({ platform: 'cli', id: 'tx' })).userId;
      otherUser = (await identities.resolve({ platform: 'cli', id: 'someone-else' })).userId;
      store = new TransactionStore(handle.db, { now: steppingClock() });
      // A watch wallet needs no key: enough for the foreign key.
      await handle.db
        .insertInto('wallets')
        .values({ id: 'w_a', user_id: userId, name: 'Main', address: A, kind: 'watch', derivation_path: null, active: 1, key_id: null, key_version: null, wrapped_dek: null, dek_nonce: null, ciphertext: null, nonce: null, created_at: new Date().toISOString() })
        .execute();
    });
    after(() => handle?.close());

    it('stores bigints as decimal strings and reads them back exactly', async () => {
      const huge = 123_456_789_012_345_678_901_234_567_890n;
      const tx = await store.record({ userId, walletId: 'w_a', kind: 'faucet', status: 'confirmed', chainId: 31337, hash: '0xaa', to: A, tokenOut: 'native', amountOut: huge, data: { symbol: 'ETH' } });
      const row = await handle.db.selectFrom('transactions').selectAll().where('id', '=', tx.id).executeTakeFirstOrThrow();
      assert.equal(row.amount_out, huge.toString());
      const back = await store.get(tx.id);
      assert.equal(back?.amountOut, huge);
      assert.deepEqual(back?.data, { symbol: 'ETH' });
      assert.equal(back?.chainId, 31337);
    });

    it('moves a pending transaction to confirmed with its hash, keeping its data', async () => {
      const tx = await store.record({ userId, kind: 'transfer', status: 'pending', chainId: 31337, from: A, to: OTHER, tokenIn: USDC, amountIn: 5n });
      const done = await store.updateStatus(tx.id, 'confirmed', { hash: '0xbb', data: { block: '12' } });
      assert.equal(done.status, 'confirmed');
      assert.equal((await store.get(tx.id))?.hash, '0xbb');
      assert.deepEqual((await store.get(tx.id))?.data, { block: '12' });
      await assert.rejects(store.updateStatus('tx_missing', 'failed'), { code: 'not_found' });
    });

    it('lists newest first, pages with before, filters by wallet and address, keeps users apart', async () => {
      await store.record({ userId: otherUser, kind: 'faucet', status: 'confirmed', chainId: 31337, to: A, tokenOut: 'native', amountOut: 1n });
      const all = await store.list(userId, { limit: 50 });
      assert.equal(all.length, 2);
      assert.ok(all[0]!.createdAt > all[1]!.createdAt);
      const page = await store.list(userId, { limit: 1 });
      const next = await store.list(userId, { limit: 1, before: page[0]!.createdAt });
      assert.deepEqual([...page, ...next].map((t) => t.id), all.map((t) => t.id));
      assert.equal((await store.list(userId, { limit: 50, walletId: 'w_a' })).length, 1);
      assert.equal((await store.list(userId, { limit: 50, address: OTHER })).length, 1);
      assert.equal((await store.list(userId, { limit: 50, address: B })).length, 0);
      assert.equal((await store.list(otherUser, { limit: 50 })).length, 1);
    });

    it('refuses negative amounts', async () => {
      await assert.rejects(store.record({ userId, kind: 'swap', status: 'pending', chainId: 1, amountIn: -1n }), { code: 'bad_input' });
    });

    it('computes FIFO cost basis from confirmed trades only', async () => {
      const identities = new IdentityStore(handle.db);
      const trader = (await identities.resolve({ platform: 'cli', id: 'trader' })).userId;
      const t = new TransactionStore(handle.db, { now: steppingClock() });
      const chain = 31337;
      // Faucet: 10 ETH at zero cost.
      await t.record({ userId: trader, kind: 'faucet', status: 'confirmed', chainId: chain, to: A, tokenOut: 'native', amountOut: 10n * E18 });
      // Buy 1 ETH for 3,000 USDC, then 1 ETH for 3,300 USDC.
      await t.record({ userId: trader, kind: 'swap', status: 'confirmed', chainId: chain, from: A, tokenIn: USDC, amountIn: 3_000_000_000n, tokenOut: 'native', amountOut: E18, valueUsdE6: USD(3000) });
      await t.record({ userId: trader, kind: 'swap', status: 'confirmed', chainId: chain, from: A, tokenIn: USDC, amountIn: 3_300_000_000n, tokenOut: 'native', amountOut: E18, valueUsdE6: USD(3300) });
      // A failed swap never counts.
      await t.record({ userId: trader, kind: 'swap', status: 'failed', chainId: chain, from: A, tokenIn: 'native', amountIn: 5n * E18, tokenOut: USDC, amountOut: 1n, valueUsdE6: USD(1) });
      // Sell 11 ETH for 35,200: the 10 free ones (gain 32,000) and the 3,000 one (gain 200).
      await t.record({ userId: trader, kind: 'swap', status: 'confirmed', chainId: chain, from: A, tokenIn: 'native', amountIn: 11n * E18, tokenOut: USDC, amountOut: 35_200_000_000n, valueUsdE6: USD(35_200) });
      // Between own wallets: nothing moves. To someone else: half an ETH leaves with its cost.
      await t.record({ userId: trader, kind: 'transfer', status: 'confirmed', chainId: chain, from: A, to: B, tokenIn: 'native', amountIn: E18 / 2n });
      await t.record({ userId: trader, kind: 'transfer', status: 'confirmed', chainId: chain, from: A, to: OTHER, tokenIn: 'native', amountIn: E18 / 2n });

      const basis = await t.costBasis(trader, { ownAddresses: [A, B.toLowerCase()] });
      const eth = basis.assets.get(assetKey(chain, 'native'))!;
      assert.equal(eth.amount, E18 / 2n);
      assert.equal(eth.costUsdE6, USD(1650));
      assert.equal(eth.realizedPnlUsdE6, USD(32_200));
      const usdc = basis.assets.get(assetKey(chain, USDC))!;
      // USDC spent 6,300 with no recorded cost (it came from outside); bought 35,200 at 35,200.
      assert.equal(usdc.unmatched, 6_300_000_000n);
      assert.equal(usdc.amount, 35_200_000_000n);
      assert.equal(usdc.costUsdE6, USD(35_200));
      assert.equal(basis.realizedPnlUsdE6, USD(32_200));
    });
  });
}
