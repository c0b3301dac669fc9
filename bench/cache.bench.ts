// L1 cache: hot-path `get` throughput against a bare Map.get measured in the same run, and
// single-flight under 1,000 concurrent misses.
import { L1Cache } from '../src/infra/cache.js';
import { createMetrics } from '../src/infra/metrics.js';
import { opsPerSecond, round, type BenchResult } from './lib.js';

const KEYS = 1024; // a power of two, so the key index is a mask rather than a modulo
const keys = Array.from({ length: KEYS }, (_, i) => `price:token${i}:usd`);

// Written on every call so the JIT cannot drop the lookup being timed.
let sink: unknown;

function mapGetOps(): number {
  const map = new Map(keys.map((k, i) => [k, { price: i }]));
  let i = 0;
  return opsPerSecond(() => {
    sink = map.get(keys[i++ & (KEYS - 1)] as string);
  });
}

function cacheGetOps(): number {
  // With metrics, as the app runs it: the hot path includes the hit counting.
  const metrics = createMetrics({ defaultMetrics: false });
  const cache = new L1Cache<{ price: number }>({ name: 'bench', max: KEYS * 2, defaultTtlMs: 60_000, metrics: metrics.cacheRequests });
  keys.forEach((k, i) => cache.set(k, { price: i }));
  let i = 0;
  return opsPerSecond(() => {
    sink = cache.get(keys[i++ & (KEYS - 1)] as string);
  });
}

async function singleFlightComputations(concurrency: number): Promise<number> {
  const cache = new L1Cache<number>({ name: 'bench', max: 16, defaultTtlMs: 60_000 });
  let computations = 0;
  const compute = async () => {
    computations++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return 42;
  };
  const results = await Promise.all(Array.from({ length: concurrency }, () => cache.getOrCompute('price:eth:usd', compute)));
  if (!results.every((r) => r === 42)) throw new Error('single-flight: a waiter got a different value');
  return computations;
}

export default {
  name: 'cache',
  async run(): Promise<BenchResult> {
    // Reference first, then the cache, then the reference again: the mean of the two reference
    // runs evens out a JIT or frequency drift across the run.
    const mapBefore = mapGetOps();
    const cacheOps = cacheGetOps();
    const mapAfter = mapGetOps();
    const mapOps = (mapBefore + mapAfter) / 2;
    const ratio = round(cacheOps / mapOps, 3);
    const computations = await singleFlightComputations(1_000);
    void sink;
    return {
      name: 'cache',
      measurements: [
        { metric: 'Map.get (reference)', value: round(mapOps / 1e6), unit: 'M ops/s' },
        {
          metric: 'L1Cache.get hit',
          value: round(cacheOps / 1e6),
          unit: 'M ops/s',
          reference: round(mapOps / 1e6),
          ratio,
          target: '>= 0.3',
          pass: ratio >= 0.3,
        },
        {
          metric: 'computations for 1,000 concurrent misses',
          value: computations,
          unit: 'calls',
          target: '== 1',
          pass: computations === 1,
        },
      ],
    };
  },
};
