import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeCostBasis, unrealized, type FifoEvent } from './fifo.js';

const at = '2025-01-01T00:00:00.000Z';
const USD = (n: number) => BigInt(Math.round(n * 1e6));

describe('FIFO cost basis', () => {
  it('sells the oldest lot first and realizes the difference', () => {
    const basis = computeCostBasis([
      { type: 'acquire', asset: 'ETH', amount: 1n, costUsdE6: USD(1000), at },
      { type: 'acquire', asset: 'ETH', amount: 1n, costUsdE6: USD(3000), at },
      { type: 'sell', asset: 'ETH', amount: 1n, proceedsUsdE6: USD(2500), at },
    ]);
    const eth = basis.assets.get('ETH')!;
    assert.equal(eth.realizedPnlUsdE6, USD(1500));
    assert.equal(basis.realizedPnlUsdE6, USD(1500));
    assert.deepEqual(eth.lots, [{ amount: 1n, costUsdE6: USD(3000), at }]);
    assert.equal(eth.amount, 1n);
    assert.equal(eth.costUsdE6, USD(3000));
  });

  it('splits a lot pro rata and keeps the remainder of its cost', () => {
    const basis = computeCostBasis([
      { type: 'acquire', asset: 'USDC', amount: 3n, costUsdE6: 10n, at },
      { type: 'sell', asset: 'USDC', amount: 1n, proceedsUsdE6: 4n, at },
    ]);
    const usdc = basis.assets.get('USDC')!;
    // 10 × 1/3 rounds down to 3; the lot keeps 7, so nothing is lost.
    assert.equal(usdc.realizedPnlUsdE6, 1n);
    assert.deepEqual(usdc.lots, [{ amount: 2n, costUsdE6: 7n, at }]);
  });

  it('moves cost out with a transfer without realizing anything', () => {
    const basis = computeCostBasis([
      { type: 'acquire', asset: 'LINK', amount: 10n, costUsdE6: USD(150), at },
      { type: 'remove', asset: 'LINK', amount: 4n, at },
    ]);
    const link = basis.assets.get('LINK')!;
    assert.equal(link.realizedPnlUsdE6, 0n);
    assert.equal(link.amount, 6n);
    assert.equal(link.costUsdE6, USD(90));
  });

  it('treats a faucet payout as zero cost: selling it is all gain', () => {
    const basis = computeCostBasis([
      { type: 'acquire', asset: 'ETH', amount: 10n, costUsdE6: 0n, at },
      { type: 'sell', asset: 'ETH', amount: 5n, proceedsUsdE6: USD(15_000), at },
    ]);
    assert.equal(basis.realizedPnlUsdE6, USD(15_000));
  });

  it('leaves the proceeds of units with no recorded cost out of realized PnL', () => {
    const basis = computeCostBasis([
      { type: 'acquire', asset: 'UNI', amount: 2n, costUsdE6: USD(16), at },
      { type: 'sell', asset: 'UNI', amount: 4n, proceedsUsdE6: USD(40), at },
    ]);
    const uni = basis.assets.get('UNI')!;
    assert.equal(uni.unmatched, 2n);
    assert.equal(uni.realizedPnlUsdE6, USD(20) - USD(16));
    assert.equal(uni.amount, 0n);
  });

  it('values unrealized PnL only on what the lots cover', () => {
    const valueAt3 = (amount: bigint) => amount * 3n;
    assert.deepEqual(unrealized({ amount: 10n, costUsdE6: 20n }, 15n, valueAt3), { covered: 10n, costUsdE6: 20n, pnlUsdE6: 10n, untracked: 5n });
    assert.deepEqual(unrealized({ amount: 10n, costUsdE6: 20n }, 5n, valueAt3), { covered: 5n, costUsdE6: 10n, pnlUsdE6: 5n, untracked: 0n });
    assert.deepEqual(unrealized({ amount: 0n, costUsdE6: 0n }, 7n, valueAt3), { covered: 0n, costUsdE6: 0n, pnlUsdE6: 0n, untracked: 7n });
  });

  it('refuses negative amounts', () => {
    assert.throws(() => computeCostBasis([{ type: 'acquire', asset: 'X', amount: -1n, costUsdE6: 0n, at }]), RangeError);
  });
});

const amount = fc.bigInt({ min: 1n, max: 10n ** 24n });
const money = fc.bigInt({ min: 0n, max: 10n ** 15n });
const event: fc.Arbitrary<FifoEvent> = fc.oneof(
  fc.record({ type: fc.constant('acquire' as const), asset: fc.constantFrom('A', 'B'), amount, costUsdE6: money, at: fc.constant(at) }),
  fc.record({ type: fc.constant('sell' as const), asset: fc.constantFrom('A', 'B'), amount, proceedsUsdE6: money, at: fc.constant(at) }),
  fc.record({ type: fc.constant('remove' as const), asset: fc.constantFrom('A', 'B'), amount, at: fc.constant(at) }),
);

describe('FIFO cost basis properties', () => {
  it('conserves amounts: in = open + matched out, and out beyond the lots is unmatched', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const basis = computeCostBasis(events);
        for (const [asset, b] of basis.assets) {
          const mine = events.filter((e) => e.asset === asset);
          const acquired = mine.filter((e) => e.type === 'acquire').reduce((s, e) => s + e.amount, 0n);
          const out = mine.filter((e) => e.type !== 'acquire').reduce((s, e) => s + e.amount, 0n);
          assert.equal(acquired - (out - b.unmatched), b.amount);
          assert.equal(b.amount, b.lots.reduce((s, l) => s + l.amount, 0n));
          assert.equal(b.costUsdE6, b.lots.reduce((s, l) => s + l.costUsdE6, 0n));
          assert.ok(b.lots.every((l) => l.amount > 0n && l.costUsdE6 >= 0n));
        }
      }),
    );
  });

  it('conserves cost to the millionth: acquired cost = open cost + cost matched by sells (no transfers)', () => {
    const noRemove = event.filter((e) => e.type !== 'remove');
    fc.assert(
      fc.property(fc.array(noRemove, { maxLength: 40 }), (events) => {
        const basis = computeCostBasis(events);
        for (const [asset, b] of basis.assets) {
          const mine = events.filter((e) => e.asset === asset);
          const cost = mine.reduce((s, e) => s + (e.type === 'acquire' ? e.costUsdE6 : 0n), 0n);
          // Replay the sells to get each one's matched proceeds, as the module defines them.
          let held = 0n;
          let matchedProceeds = 0n;
          for (const e of mine) {
            if (e.type === 'acquire') held += e.amount;
            else if (e.type === 'sell') {
              const taken = e.amount < held ? e.amount : held;
              matchedProceeds += (e.proceedsUsdE6 * taken) / e.amount;
              held -= taken;
            }
          }
          assert.equal(cost, b.costUsdE6 + matchedProceeds - b.realizedPnlUsdE6);
        }
      }),
    );
  });

  it('keeps the newest lots: the open lots are the tail of the acquisitions, the first possibly cut', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, money), { minLength: 1, maxLength: 10 }), amount, (buys, sold) => {
        const events: FifoEvent[] = buys.map(([a, c], i) => ({ type: 'acquire', asset: 'A', amount: a, costUsdE6: c, at: String(i) }));
        events.push({ type: 'sell', asset: 'A', amount: sold, proceedsUsdE6: 0n, at: 'end' });
        const lots = computeCostBasis(events).assets.get('A')!.lots;
        const tail = buys.slice(buys.length - lots.length);
        lots.forEach((lot, i) => {
          assert.equal(lot.at, String(buys.length - lots.length + i));
          if (i > 0) assert.equal(lot.amount, tail[i]![0]);
          else assert.ok(lot.amount <= tail[0]![0]);
        });
      }),
    );
  });

  it('realizes exactly zero when everything is sold for what it cost', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, money), { minLength: 1, maxLength: 10 }), (buys) => {
        const events: FifoEvent[] = buys.map(([a, c]) => ({ type: 'acquire', asset: 'A', amount: a, costUsdE6: c, at }));
        const total = buys.reduce((s, [a]) => s + a, 0n);
        const cost = buys.reduce((s, [, c]) => s + c, 0n);
        events.push({ type: 'sell', asset: 'A', amount: total, proceedsUsdE6: cost, at });
        const basis = computeCostBasis(events);
        assert.equal(basis.realizedPnlUsdE6, 0n);
        assert.equal(basis.assets.get('A')!.lots.length, 0);
      }),
    );
  });

  it('a transfer out never changes realized PnL', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.nat({ max: 30 }), amount, (events, index, moved) => {
        const withRemove = [...events];
        withRemove.splice(Math.min(index, events.length), 0, { type: 'remove', asset: 'A', amount: moved, at });
        // The transfer moves lots out, so later sells may match different lots; before it, nothing changes.
        const before = computeCostBasis(events.slice(0, Math.min(index, events.length)));
        const after = computeCostBasis(withRemove.slice(0, Math.min(index, events.length) + 1));
        assert.equal(after.realizedPnlUsdE6, before.realizedPnlUsdE6);
      }),
    );
  });
});
