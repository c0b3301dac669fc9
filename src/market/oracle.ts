import { DependencyError, MobiusError } from '../core/errors.js';
import type { Logger } from '../core/capability.js';
import type { Cache } from '../infra/cache.js';
import { median } from './stats.js';
import { requestKey, type PriceQuote, type PriceRequest, type PriceSource } from './types.js';

export interface SourceReport {
  name: string;
  price: number;
  /** How old the source says its price is (ms) when it was fetched. */
  ageMs: number;
  used: boolean;
  /** Why a quote was left out of the answer. */
  dropped?: 'stale' | 'outlier' | 'absurd';
  liquidityUsd?: number;
}

export interface OracleAnswer {
  price: number;
  fiat: string;
  /** 0..1: how much the sources agree, how many answered, how fresh they were. */
  confidence: number;
  sources: SourceReport[];
  /** Sources asked that gave nothing, and why (timeout, rate limited, down, no data). */
  failures: Array<{ name: string; reason: string }>;
  /** When the answer was aggregated (ms since epoch); a cached answer is older than now. */
  at: number;
  /** The largest relative distance of a used source from the answer (0.01 = 1 %). */
  spread: number;
  change24hPct?: number;
}

/** A served answer: the aggregate plus how old it is and whether it came from the cache. */
export interface ServedPrice extends OracleAnswer {
  ageMs: number;
  /** 'fresh': just aggregated; 'cached': within its TTL; 'stale': every source failed, last good answer. */
  freshness: 'fresh' | 'cached' | 'stale';
}

export interface PriceOracleOptions {
  sources: readonly PriceSource[];
  cache: Cache<OracleAnswer>;
  /** One deadline for all sources of one question. */
  deadlineMs?: number;
  /** How long an aggregate is served from the cache, and how long past that it may still be served while refreshing. */
  ttlMs?: number;
  staleMs?: number;
  /** How long a last good answer may stand in when every source fails. */
  lastGoodMs?: number;
  /** A quote further than this from the median (relative) with a robust z above 3.5 is an outlier. */
  outlierMinDeviation?: number;
  now?: () => number;
  log: Logger;
}

const ROBUST_Z_LIMIT = 3.5;

/**
 * The price oracle: every eligible source at once under one deadline; stale, absurd and outlying
 * quotes dropped; the median of the rest; a confidence the person is told. One source down lowers
 * confidence and never fails the answer; every source down serves the last good answer with its
 * age, and only without one fails, naming each outage.
 */
export class PriceOracle {
  readonly #o: Required<Omit<PriceOracleOptions, 'now' | 'log' | 'cache' | 'sources'>> & Pick<PriceOracleOptions, 'cache' | 'sources' | 'log'>;
  readonly #now: () => number;
  readonly #lastGood = new Map<string, OracleAnswer>();

  constructor(options: PriceOracleOptions) {
    this.#o = {
      deadlineMs: 2500,
      ttlMs: 10_000,
      staleMs: 60_000,
      lastGoodMs: 6 * 3_600_000,
      outlierMinDeviation: 0.02,
      ...options,
    };
    this.#now = options.now ?? Date.now;
  }

  get sources(): readonly PriceSource[] {
    return this.#o.sources;
  }

  /** Whether any source could price this request (no network). */
  canPrice(request: PriceRequest): boolean {
    return this.#eligible(request).length > 0;
  }

  async price(request: PriceRequest, signal?: AbortSignal): Promise<ServedPrice> {
    const key = requestKey(request);
    const before = this.#now();
    try {
      const answer = await this.#o.cache.getOrCompute(key, () => this.#aggregate(request, signal), { ttlMs: this.#o.ttlMs, staleMs: this.#o.staleMs, tags: [`token:${key.split('|')[0]}`] });
      this.#lastGood.set(key, answer);
      const ageMs = Math.max(0, this.#now() - answer.at);
      return { ...answer, ageMs, freshness: answer.at >= before ? 'fresh' : 'cached' };
    } catch (err) {
      const last = this.#lastGood.get(key);
      if (last && this.#now() - last.at <= this.#o.lastGoodMs && err instanceof DependencyError) {
        this.#o.log.warn({ key, err: err.message }, 'every price source failed; serving the last good answer');
        return { ...last, ageMs: this.#now() - last.at, freshness: 'stale', failures: (err.details?.failures as OracleAnswer['failures'] | undefined) ?? last.failures };
      }
      throw err;
    }
  }

  #eligible(request: PriceRequest): PriceSource[] {
    return this.#o.sources.filter((s) => (!request.token.devnet || s.servesDevnet === true) && s.eligible(request));
  }

  async #aggregate(request: PriceRequest, outer: AbortSignal | undefined): Promise<OracleAnswer> {
    const sources = this.#eligible(request);
    if (sources.length === 0) {
      throw new MobiusError('unknown_token', `No price source covers ${request.token.symbol}${request.fiat === 'usd' ? '' : ` in ${request.fiat.toUpperCase()}`}.`);
    }
    const deadline = AbortSignal.timeout(this.#o.deadlineMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    const key = requestKey(request);
    const settled = await Promise.all(
      sources.map(async (source) => {
        try {
          const answers = await withDeadline(source.fetch([request], signal), signal, this.#o.deadlineMs);
          const quote = answers.get(key);
          return quote ? { source, quote } : { source, failure: 'no price for this token' };
        } catch (err) {
          return { source, failure: reasonOf(err, this.#o.deadlineMs) };
        }
      }),
    );
    const now = this.#now();
    const failures = settled.flatMap((s) => ('failure' in s && s.failure ? [{ name: s.source.name, reason: s.failure }] : []));
    const reports: SourceReport[] = [];
    const candidates: Array<{ report: SourceReport; quote: PriceQuote }> = [];
    for (const s of settled) {
      if (!('quote' in s) || !s.quote) continue;
      const q = s.quote;
      const report: SourceReport = { name: q.source, price: q.price, ageMs: Math.max(0, now - q.at), used: false, ...(q.liquidityUsd === undefined ? {} : { liquidityUsd: q.liquidityUsd }) };
      reports.push(report);
      if (!(Number.isFinite(q.price) && q.price > 0 && q.price < 1e15)) report.dropped = 'absurd';
      else if (now - q.at > s.source.maxAgeMs) report.dropped = 'stale';
      else candidates.push({ report, quote: q });
    }
    this.#dropOutliers(candidates);
    const used = candidates.filter((c) => !c.report.dropped);
    if (used.length === 0) {
      const all = [...failures, ...reports.map((r) => ({ name: r.name, reason: r.dropped === 'stale' ? `stale (${Math.round(r.ageMs / 60_000)} min old)` : 'an implausible value' }))];
      throw new PriceUnavailableError(request.token.symbol, all);
    }
    for (const c of used) c.report.used = true;
    const prices = used.map((c) => c.quote.price);
    const price = median(prices);
    const spread = Math.max(...prices.map((p) => Math.abs(p - price) / price));
    const change = used.map((c) => c.quote.change24hPct).find((v) => v !== undefined && Number.isFinite(v));
    return {
      price,
      fiat: request.fiat,
      confidence: confidenceOf(used.length, sources.length, spread, reports.filter((r) => r.dropped).length),
      sources: reports,
      failures,
      at: now,
      spread,
      ...(change === undefined ? {} : { change24hPct: change }),
    };
  }

  /**
   * Marks outliers by robust z-score on log prices (scale-free, so $0.00001 and $90,000 are judged
   * alike), and only beyond a minimum relative deviation so that near-identical quotes (a zero MAD)
   * do not flag a source a fraction of a percent away. With two quotes there is no majority: both
   * stay and the disagreement shows in the confidence.
   */
  #dropOutliers(candidates: Array<{ report: SourceReport; quote: PriceQuote }>): void {
    if (candidates.length < 3) return;
    const logs = candidates.map((c) => Math.log(c.quote.price));
    const m = median(logs);
    const scale = 1.4826 * median(logs.map((l) => Math.abs(l - m)));
    candidates.forEach((c, i) => {
      const deviation = Math.abs(Math.exp(logs[i]! - m) - 1);
      const z = scale === 0 ? (deviation === 0 ? 0 : Infinity) : Math.abs(logs[i]! - m) / scale;
      if (z > ROBUST_Z_LIMIT && deviation > this.#o.outlierMinDeviation) c.report.dropped = 'outlier';
    });
  }
}

/** Every source failed: the message names each outage, so a person knows it is not them. */
export class PriceUnavailableError extends DependencyError {
  constructor(symbol: string, failures: ReadonlyArray<{ name: string; reason: string }>) {
    super('price sources', { details: { failures } });
    this.message = `No price for ${symbol} right now — ${failures.map((f) => `${f.name}: ${f.reason}`).join('; ')}.`;
  }
}

/**
 * Confidence: more agreeing sources → higher; each source asked that gave nothing usable lowers it;
 * spread between the used sources lowers it fast (5 % apart halves it).
 */
export function confidenceOf(used: number, asked: number, spread: number, dropped: number): number {
  const base = used >= 3 ? 0.95 : used === 2 ? 0.85 : 0.65;
  const missing = Math.max(0, asked - used);
  const coverage = Math.max(0.5, 1 - 0.1 * missing - 0.05 * dropped);
  const agreement = Math.max(0.1, 1 - spread * 10);
  return Math.round(base * coverage * agreement * 100) / 100;
}

function reasonOf(err: unknown, deadlineMs: number): string {
  if (err instanceof DependencyError) {
    const reason = err.details?.reason;
    if (reason === 'timeout') return `no answer within ${deadlineMs} ms`;
    if (reason === 'rate_limited') return `rate limited${err.details?.retryAfterSeconds ? ` (retry in ${String(err.details.retryAfterSeconds)}s)` : ''}`;
    if (reason === 'circuit_open') return 'down (circuit open)';
    return err.message;
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${deadlineMs} ms`;
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'failed';
}

/** A source that ignores its signal still cannot hold the answer past the deadline. */
function withDeadline<T>(promise: Promise<T>, signal: AbortSignal, deadlineMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(new DependencyError('price source', { details: { reason: 'timeout', deadlineMs } }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DependencyError('price source', { details: { reason: 'timeout', deadlineMs } }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
