import type { Cache } from '../infra/cache.js';
import { requestKey, type PriceQuote, type PriceRequest, type PriceSource, type RequestKey } from './types.js';

/**
 * A price source behind its own cache, with a TTL that fits how often the source itself changes
 * (CoinGecko refreshes about once a minute, an exchange ticker every second): asking CoinGecko
 * every 10 s would spend its rate limit on the same number. A cached quote keeps its own `at`,
 * so its age stays honest.
 */
export class CachedSource implements PriceSource {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly servesDevnet: boolean | undefined;

  constructor(
    private readonly inner: PriceSource,
    private readonly cache: Cache<PriceQuote | null>,
    private readonly ttlMs: number,
  ) {
    this.name = inner.name;
    this.maxAgeMs = inner.maxAgeMs;
    this.servesDevnet = inner.servesDevnet;
  }

  eligible(request: PriceRequest): boolean {
    return this.inner.eligible(request);
  }

  async fetch(requests: readonly PriceRequest[], signal: AbortSignal): Promise<Map<RequestKey, PriceQuote>> {
    const out = new Map<RequestKey, PriceQuote>();
    // One request at a time through the cache keeps its single flight per key; the oracle asks one
    // token per question anyway.
    await Promise.all(
      requests.map(async (request) => {
        const key = requestKey(request);
        const quote = await this.cache.getOrCompute(
          `${this.name}|${key}`,
          async () => (await this.inner.fetch([request], signal)).get(key) ?? null,
          { ttlMs: this.ttlMs },
        );
        if (quote) out.set(key, quote);
      }),
    );
    return out;
  }
}
