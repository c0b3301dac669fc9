import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';

export interface CacheSetOptions {
  /** How long a value is fresh, in whole milliseconds; default: the cache's `defaultTtlMs`. */
  ttlMs?: number;
  /**
   * A window after `ttlMs` in which `getOrCompute` still answers with the old value while ONE
   * background computation refreshes it; default: the cache's `defaultStaleMs` (0: none).
   */
  staleMs?: number;
  /** Labels for `invalidateTag`, e.g. `['token:eth']`. */
  tags?: readonly string[];
}

/**
 * What services depend on. The L1 cache implements it; an L1 + Redis tiered cache will implement
 * it too, which is why every method is async even where L1 alone would not need to be.
 */
export interface Cache<V> {
  /**
   * The cached value for `key`, or the result of `compute()` (stored with `options`). Concurrent
   * calls for one key share a single computation; a rejected computation stores nothing.
   */
  getOrCompute(key: string, compute: () => Promise<V>, options?: CacheSetOptions): Promise<V>;
  /** Removes `key`; a computation for it already in flight will not store its result. */
  invalidate(key: string): Promise<void>;
  /** Removes every key stored with `tag` and returns how many were removed. */
  invalidateTag(tag: string): Promise<number>;
}

export interface L1CacheOptions {
  /** The `cache` label of `mobius_cache_requests_total`, e.g. `prices`. */
  name: string;
  /** At most this many entries (stale ones included); the least recently used go first. */
  max: number;
  defaultTtlMs: number;
  defaultStaleMs?: number;
  /** `metrics.cacheRequests` from `createMetrics()`; counted by `cache` and `result` (hit, stale, miss). */
  metrics?: Counter<'cache' | 'result'>;
  /** Told when a background refresh fails; the stale value keeps being served meanwhile. */
  onRefreshError?: (key: string, err: unknown) => void;
  /**
   * A clock in milliseconds for tests (must return a positive number). When given, it is read on
   * every check; the default clock is read at most once per millisecond (lru-cache's `ttlResolution`).
   */
  now?: () => number;
}

interface Entry<V> {
  // The value is wrapped so that `undefined` can be cached and so that each entry carries what
  // `dispose` needs to clean the tag index.
  readonly value: V;
  readonly staleMs: number;
  readonly tags: readonly string[];
}

interface Flight<V> {
  promise: Promise<V>;
  readonly tags: readonly string[];
  /** Set by an invalidation (or an explicit `set`) after the computation started: its result is old. */
  superseded: boolean;
}

const NO_TAGS: readonly string[] = [];

/**
 * The in-process cache (L1): LRU-bounded, per-entry TTL, single-flight `getOrCompute`,
 * stale-while-revalidate, tag invalidation and hit/stale/miss metrics.
 *
 * @example
 * const prices = new L1Cache<number>({ name: 'prices', max: 10_000, defaultTtlMs: 5_000, defaultStaleMs: 30_000, metrics: metrics.cacheRequests });
 * const usd = await prices.getOrCompute('price:eth:usd', () => oracle.price('eth', 'usd'), { tags: ['token:eth'] });
 */
export class L1Cache<V> implements Cache<V> {
  readonly name: string;
  readonly #lru: LRUCache<string, Entry<V>>;
  readonly #defaultTtlMs: number;
  readonly #defaultStaleMs: number;
  readonly #onRefreshError: ((key: string, err: unknown) => void) | undefined;
  readonly #tagIndex = new Map<string, Set<string>>();
  readonly #flights = new Map<string, Flight<V>>();
  // Plain counters on the hot path: a prom-client `inc()` hashes its labels on every call
  // (several times the cost of the lookup itself), so counts are handed over when the metric is read.
  #hits = 0;
  #stale = 0;
  #misses = 0;

  constructor(options: L1CacheOptions) {
    requirePositiveInteger('max', options.max);
    requirePositiveInteger('defaultTtlMs', options.defaultTtlMs);
    const defaultStaleMs = options.defaultStaleMs ?? 0;
    requireNonNegative('defaultStaleMs', defaultStaleMs);
    if (options.now !== undefined && !(options.now() > 0)) {
      // lru-cache reads a start time of 0 as "no TTL", so such a clock would never expire anything.
      throw new RangeError('L1Cache: now() must return a positive number of milliseconds');
    }
    this.name = options.name;
    this.#defaultTtlMs = options.defaultTtlMs;
    this.#defaultStaleMs = defaultStaleMs;
    this.#onRefreshError = options.onRefreshError;
    this.#lru = new LRUCache<string, Entry<V>>({
      // The bound is a size of one per entry, not lru-cache's `max`: with `max` it allocates six
      // arrays of `max` slots up front (about 40 bytes an entry: 2 MiB for the 50 000 of the
      // conversation context) in every cache at start-up, used or not; this way storage grows with use.
      maxSize: options.max,
      sizeCalculation: () => 1,
      ttl: options.defaultTtlMs,
      // lru-cache's TTL is the fresh period; stale entries stay until the stale window (checked
      // in getOrCompute) ends, LRU evicts them or they are touched past it.
      noDeleteOnStaleGet: true,
      dispose: (entry, key) => this.#untag(key, entry.tags),
      ...(options.now === undefined ? {} : { perf: { now: options.now }, ttlResolution: 0 }),
    });
    if (options.metrics !== undefined) this.#reportTo(options.metrics);
  }

  /** Entries held, stale ones included. */
  get size(): number {
    return this.#lru.size;
  }

  /** For diagnostics and tests: distinct tags indexed and computations in flight (neither should outgrow the entries). */
  stats(): { entries: number; tags: number; inFlight: number } {
    return { entries: this.#lru.size, tags: this.#tagIndex.size, inFlight: this.#flights.size };
  }

  /** The fresh value for `key`, or `undefined`. Counts a hit or a miss; the hot path, kept cheap. */
  get(key: string): V | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return entry.value;
  }

  /** Like `get`, but counts nothing and leaves the LRU order alone (for diagnostics and tests). */
  peek(key: string): V | undefined {
    return this.#lru.peek(key)?.value;
  }

  /** Stores `value`; a computation for `key` already in flight will not overwrite it. */
  set(key: string, value: V, options: CacheSetOptions = {}): void {
    this.#supersede(key);
    this.#store(key, value, options);
  }

  /** Removes `key` (and stops an in-flight computation from storing); true if an entry was held. */
  delete(key: string): boolean {
    this.#supersede(key);
    return this.#lru.delete(key);
  }

  clear(): void {
    for (const flight of this.#flights.values()) flight.superseded = true;
    this.#flights.clear();
    this.#lru.clear();
    this.#tagIndex.clear();
  }

  async getOrCompute(key: string, compute: () => Promise<V>, options: CacheSetOptions = {}): Promise<V> {
    const fresh = this.#lru.get(key);
    if (fresh !== undefined) {
      this.#hits++;
      return fresh.value;
    }
    const stale = this.#lru.peek(key, { allowStale: true });
    if (stale !== undefined) {
      // getRemainingTTL is negative once the fresh period is over: how long ago it ended.
      if (-this.#lru.getRemainingTTL(key) <= stale.staleMs) {
        this.#stale++;
        if (!this.#flights.has(key)) this.#startFlight(key, compute, options, true);
        return stale.value;
      }
      // Past the stale window: dropped here (its dispose unindexes its tags), or LRU drops it later.
      this.#lru.delete(key);
    }
    this.#misses++;
    // Joiners get the first caller's computation, stored with the first caller's options.
    const flight = this.#flights.get(key) ?? this.#startFlight(key, compute, options, false);
    return flight.promise;
  }

  async invalidate(key: string): Promise<void> {
    this.delete(key);
  }

  async invalidateTag(tag: string): Promise<number> {
    let removed = 0;
    const keys = this.#tagIndex.get(tag);
    if (keys !== undefined) {
      // Copied: each delete's dispose shrinks the set being iterated. `delete` also stops a
      // refresh of that key in flight, whatever tags the refresh itself was given.
      for (const key of [...keys]) if (this.delete(key)) removed++;
      this.#tagIndex.delete(tag);
    }
    for (const [key, flight] of this.#flights) if (flight.tags.includes(tag)) this.#supersede(key);
    return removed;
  }

  #store(key: string, value: V, options: CacheSetOptions): void {
    const ttlMs = options.ttlMs ?? this.#defaultTtlMs;
    const staleMs = options.staleMs ?? this.#defaultStaleMs;
    requirePositiveInteger('ttlMs', ttlMs);
    requireNonNegative('staleMs', staleMs);
    const tags = options.tags ?? NO_TAGS;
    // Set before indexing: replacing an entry disposes the old one, which unindexes the key.
    this.#lru.set(key, { value, staleMs, tags }, { ttl: ttlMs });
    for (const tag of tags) {
      let keys = this.#tagIndex.get(tag);
      if (keys === undefined) this.#tagIndex.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  #untag(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#tagIndex.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#tagIndex.delete(tag);
    }
  }

  #startFlight(key: string, compute: () => Promise<V>, options: CacheSetOptions, background: boolean): Flight<V> {
    // Registered before compute() runs: a compute that throws synchronously settles the flight
    // at once, and the cleanup in #run must find it in the map (or a rejected flight would stay).
    const flight = { tags: options.tags ?? NO_TAGS, superseded: false } as Flight<V>;
    this.#flights.set(key, flight);
    flight.promise = this.#run(key, compute, options, flight);
    if (background) flight.promise.catch((err: unknown) => this.#onRefreshError?.(key, err));
    return flight;
  }

  async #run(key: string, compute: () => Promise<V>, options: CacheSetOptions, flight: Flight<V>): Promise<V> {
    try {
      const value = await compute();
      if (!flight.superseded) this.#store(key, value, options);
      return value;
    } finally {
      // A newer flight may have taken this key after an invalidation; leave that one alone.
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    }
  }

  #supersede(key: string): void {
    const flight = this.#flights.get(key);
    if (flight === undefined) return;
    flight.superseded = true;
    this.#flights.delete(key);
  }

  #reportTo(counter: Counter<'cache' | 'result'>): void {
    const hit = counter.labels(this.name, 'hit');
    const stale = counter.labels(this.name, 'stale');
    const miss = counter.labels(this.name, 'miss');
    const flush = () => {
      if (this.#hits > 0) hit.inc(this.#hits);
      if (this.#stale > 0) stale.inc(this.#stale);
      if (this.#misses > 0) miss.inc(this.#misses);
      this.#hits = this.#stale = this.#misses = 0;
    };
    // prom-client runs a metric's `collect` before every read (a scrape, `counter.get()`), so the
    // counter is exact whenever anyone looks. The metric is built in metrics.ts, shared by every
    // cache, so each cache chains its flush in front of whatever was there.
    const target = counter as unknown as { collect?: (this: unknown) => void | Promise<void> };
    const previous = target.collect;
    target.collect = function (this: unknown) {
      flush();
      return previous?.call(this);
    };
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`L1Cache: ${name} must be a positive integer, got ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  if (!(value >= 0)) throw new RangeError(`L1Cache: ${name} must be >= 0, got ${value}`);
}
