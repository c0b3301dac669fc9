/**
 * FIFO cost basis, pure and exact: amounts are bigint base units, money is bigint USD millionths
 * (`usdE6`). No floats anywhere, so a lot split in three and sold back gives exactly what it cost.
 *
 * The rules, per asset, in the order events happened:
 * - `acquire`: a new lot at the end of the queue, with what it cost (0 for a faucet payout: it is
 *   a gift, like an airdrop, so all of its value is gain).
 * - `sell`: lots are consumed oldest first; the cost of what was consumed is matched against the
 *   proceeds and the difference is realized PnL. A partial lot gives up its cost pro rata (rounded
 *   down) and keeps the rest, so total cost is conserved to the millionth.
 * - `remove` (a transfer out): lots are consumed oldest first and their cost leaves with them;
 *   nothing is realized.
 * - Selling or removing more than the lots hold (funds that arrived outside Möbius) consumes what
 *   there is and counts the rest as `unmatched`: with no known cost, the proceeds of that part are
 *   left out of realized PnL instead of being counted as pure gain.
 */

export interface Lot {
  amount: bigint;
  costUsdE6: bigint;
  /** When it was acquired (ISO-8601), for showing the lots; FIFO order is the event order. */
  at: string;
}

export type FifoEvent =
  | { type: 'acquire'; asset: string; amount: bigint; costUsdE6: bigint; at: string }
  | { type: 'sell'; asset: string; amount: bigint; proceedsUsdE6: bigint; at: string }
  | { type: 'remove'; asset: string; amount: bigint; at: string };

export interface AssetBasis {
  asset: string;
  /** Open lots, oldest first. */
  lots: Lot[];
  /** Sum of the open lots' amounts and costs. */
  amount: bigint;
  costUsdE6: bigint;
  realizedPnlUsdE6: bigint;
  /** Amount sold or moved out beyond what the recorded lots held (no known cost). */
  unmatched: bigint;
}

export interface CostBasis {
  assets: Map<string, AssetBasis>;
  realizedPnlUsdE6: bigint;
}

function emptyAsset(asset: string): AssetBasis {
  return { asset, lots: [], amount: 0n, costUsdE6: 0n, realizedPnlUsdE6: 0n, unmatched: 0n };
}

/**
 * Takes `amount` from the front of the queue; returns the cost of what was taken and how much
 * could not be taken (the queue ran dry).
 */
function consume(basis: AssetBasis, amount: bigint): { cost: bigint; taken: bigint; missing: bigint } {
  let left = amount;
  let cost = 0n;
  while (left > 0n && basis.lots.length > 0) {
    const lot = basis.lots[0]!;
    if (lot.amount <= left) {
      left -= lot.amount;
      cost += lot.costUsdE6;
      basis.lots.shift();
    } else {
      // Pro rata, rounded down; the lot keeps the remainder so no millionth is lost or made up.
      const part = (lot.costUsdE6 * left) / lot.amount;
      cost += part;
      lot.costUsdE6 -= part;
      lot.amount -= left;
      left = 0n;
    }
  }
  const taken = amount - left;
  basis.amount -= taken;
  basis.costUsdE6 -= cost;
  return { cost, taken, missing: left };
}

/**
 * Applies one event to the running state (mutates it). Returns the cost that left the lots (for a
 * sell or a remove), so a caller can carry it over to what replaced them.
 */
export function applyEvent(state: CostBasis, event: FifoEvent): bigint {
  if (event.amount < 0n) throw new RangeError(`negative amount in a ${event.type} of ${event.asset}`);
  if (event.amount === 0n) return 0n;
  let basis = state.assets.get(event.asset);
  if (!basis) {
    basis = emptyAsset(event.asset);
    state.assets.set(event.asset, basis);
  }
  switch (event.type) {
    case 'acquire': {
      if (event.costUsdE6 < 0n) throw new RangeError(`negative cost for ${event.asset}`);
      basis.lots.push({ amount: event.amount, costUsdE6: event.costUsdE6, at: event.at });
      basis.amount += event.amount;
      basis.costUsdE6 += event.costUsdE6;
      return 0n;
    }
    case 'sell': {
      const { cost, taken, missing } = consume(basis, event.amount);
      // Only the matched part's proceeds count: unmatched units have no known cost.
      const matchedProceeds = (event.proceedsUsdE6 * taken) / event.amount;
      const pnl = matchedProceeds - cost;
      basis.realizedPnlUsdE6 += pnl;
      state.realizedPnlUsdE6 += pnl;
      basis.unmatched += missing;
      return cost;
    }
    case 'remove': {
      const { cost, missing } = consume(basis, event.amount);
      basis.unmatched += missing;
      return cost;
    }
  }
}

/**
 * Runs the events in the given order (the caller sorts them by time) and returns each asset's
 * open lots and realized PnL.
 *
 * @example computeCostBasis([{ type: 'acquire', asset: 'ETH', amount: 2n, costUsdE6: 6_000_000_000n, at }, { type: 'sell', asset: 'ETH', amount: 1n, proceedsUsdE6: 3_500_000_000n, at }])
 * // ETH: one lot of 1 costing $3,000; realized +$500
 */
export function computeCostBasis(events: Iterable<FifoEvent>): CostBasis {
  const state: CostBasis = { assets: new Map(), realizedPnlUsdE6: 0n };
  for (const event of events) applyEvent(state, event);
  return state;
}

/**
 * Unrealized PnL of a holding against its open lots at a price: the lots cover at most what is
 * held now (the rest of a holding arrived without a recorded cost), and if less is held than the
 * lots say, their cost is scaled down to what is held.
 */
export function unrealized(basis: Pick<AssetBasis, 'amount' | 'costUsdE6'>, held: bigint, valueOf: (amount: bigint) => bigint): { covered: bigint; costUsdE6: bigint; pnlUsdE6: bigint; untracked: bigint } {
  const covered = held < basis.amount ? held : basis.amount;
  const cost = basis.amount === 0n ? 0n : (basis.costUsdE6 * covered) / basis.amount;
  return { covered, costUsdE6: cost, pnlUsdE6: valueOf(covered) - cost, untracked: held - covered };
}
