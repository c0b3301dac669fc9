import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../../core/capability.js';
import type { Address } from '../../core/token.js';
import { uniswapV2PairAbi } from '../abi.js';
import { priceFeedAbi } from './contracts/artifacts.js';
import { MarketMaker, type MakerSwap } from './market-maker.js';
import { DevnetNode } from './node.js';
import { SEED_FEEDS } from './seed.js';

const ignore = () => undefined;
const log: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
const STEPS = 25;
const SEED = 42;

async function reserves(node: DevnetNode): Promise<Map<Address, [bigint, bigint]>> {
  const pairs = node.deployment.dexes.flatMap((d) => d.pairs);
  const read = await Promise.all(pairs.map((p) => node.client.readContract({ address: p.address, abi: uniswapV2PairAbi, functionName: 'getReserves' })));
  return new Map(pairs.map((p, i) => [p.address, [read[i]![0], read[i]![1]]]));
}

async function feeds(node: DevnetNode): Promise<{ symbol: string; roundId: bigint; answer: bigint }[]> {
  return Promise.all(
    node.deployment.feeds.map(async (feed) => {
      const [roundId, answer] = await node.client.readContract({ address: feed.address, abi: priceFeedAbi, functionName: 'latestRoundData' });
      return { symbol: SEED_FEEDS.find((f) => f.pair === feed.pair)!.symbol, roundId, answer };
    }),
  );
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the devnet market-maker', () => {
  let first: DevnetNode;
  let second: DevnetNode;
  let firstMaker: MarketMaker;
  let secondMaker: MarketMaker;

  before(async () => {
    first = await DevnetNode.start({ log });
    second = await DevnetNode.start({ log });
    firstMaker = new MarketMaker({ node: first, log, intervalMs: 0, seed: SEED });
    secondMaker = new MarketMaker({ node: second, log, intervalMs: 0, seed: SEED });
  });
  after(async () => {
    await Promise.all([firstMaker.stop(), secondMaker.stop()]);
    await Promise.all([first.close(), second.close()]);
  });

  it('makes the same swaps and reaches the same prices from the same seed on two fresh devnets', async () => {
    const a: MakerSwap[] = [];
    const b: MakerSwap[] = [];
    for (let i = 0; i < STEPS; i++) a.push(await firstMaker.step());
    for (let i = 0; i < STEPS; i++) b.push(await secondMaker.step());
    assert.deepEqual(a, b);
    assert.deepEqual(firstMaker.state(), secondMaker.state());
    assert.equal(firstMaker.state().steps, STEPS);
    assert.deepEqual(await reserves(first), await reserves(second));
    assert.deepEqual(await feeds(first), await feeds(second));
    assert.ok(new Set(a.map((s) => s.pair)).size > 3, 'the maker trades more than a couple of pools');
  });

  it('moves exactly the pool it trades: the input reserve grows by the amount in, the output reserve shrinks', async () => {
    const before = await reserves(first);
    const swap = await firstMaker.step();
    const after = await reserves(first);
    const pair = first.deployment.dexes.flatMap((d) => d.pairs).find((p) => p.address === swap.pair)!;
    const inIs0 = swap.tokenIn === pair.token0;
    assert.equal(inIs0 ? pair.token1 : pair.token0, swap.tokenOut);
    const [in0, out0] = inIs0 ? before.get(pair.address)! : [...before.get(pair.address)!].reverse();
    const [in1, out1] = inIs0 ? after.get(pair.address)! : [...after.get(pair.address)!].reverse();
    assert.equal(in1! - in0!, swap.amountIn);
    assert.ok(out1! < out0!, 'the pool paid out');
    assert.ok(swap.amountIn > 0n);
    for (const [address, r] of after) if (address !== swap.pair) assert.deepEqual(r, before.get(address), `${address} did not trade`);
  });

  it('moves prices over many steps, and only in the pools it traded', async () => {
    const before = await reserves(second);
    const traded = new Set<Address>();
    for (let i = 0; i < STEPS; i++) traded.add((await secondMaker.step()).pair);
    const after = await reserves(second);
    const changed = [...after].filter(([address, r]) => r[0] !== before.get(address)![0] || r[1] !== before.get(address)![1]).map(([a]) => a);
    assert.ok(changed.length > 3, `${changed.length} pools changed`);
    assert.deepEqual(new Set(changed), traded);
  });

  it('updates a feed when the fair price has moved 0.5% from it, and leaves it alone otherwise', async () => {
    let last = await feeds(first);
    let updates = 0;
    let stillSteps = 0;
    for (let i = 0; i < 40; i++) {
      await firstMaker.step();
      const now = await feeds(first);
      for (const [j, feed] of now.entries()) {
        const previous = last[j]!;
        const fair = firstMaker.fairPrice(feed.symbol)!;
        const published = Number(previous.answer) / 1e8;
        if (feed.roundId !== previous.roundId) {
          updates += 1;
          assert.equal(feed.roundId, previous.roundId + 1n);
          assert.equal(feed.answer, BigInt(Math.round(fair * 1e8)), `${feed.symbol} publishes the fair price`);
          assert.ok(Math.abs(fair / published - 1) >= 0.005, `${feed.symbol} updated after a ${Math.abs(fair / published - 1)} move`);
        } else {
          stillSteps += 1;
          assert.equal(feed.answer, previous.answer);
          assert.ok(Math.abs(fair / published - 1) < 0.005, `${feed.symbol} left alone at a ${Math.abs(fair / published - 1)} move`);
        }
      }
      last = now;
    }
    assert.ok(updates > 0, 'some feed updated');
    assert.ok(stillSteps > 0, 'some feed stayed');
  });

  it('starts no step while paused, and goes on after resume', async () => {
    const looping = new MarketMaker({ node: second, log, intervalMs: 30, seed: 7 });
    // Count the steps the loop starts, not those it finishes: one under way at pause() may end later.
    let started = 0;
    const step = looping.step.bind(looping);
    looping.step = () => ((started += 1), step());
    try {
      assert.equal(looping.paused, false);
      looping.start();
      await until(() => looping.state().steps >= 2);
      looping.pause();
      assert.equal(looping.paused, true);
      const atPause = started;
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(started, atPause, 'no step started while paused (about 13 intervals)');
      looping.resume();
      await until(() => started > atPause);
    } finally {
      await looping.stop();
    }
    const atStop = started;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(started, atStop, 'no step started after stop');
  });

  it('counts as paused when it has no interval, and start() then does nothing', async () => {
    const still = new MarketMaker({ node: second, log, intervalMs: 0, seed: 1 });
    still.start();
    assert.equal(still.paused, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(still.state().steps, 0);
    await still.stop();
  });
});
