/**
 * Readiness checks, registered by each service that owns a dependency (the database, a chain RPC,
 * a breaker). `/ready` runs them all under one deadline and answers 503 when a required one fails.
 */
export interface HealthCheck {
  name: string;
  /** A required dependency being down makes the instance not ready (503); optional ones only report. */
  required: boolean;
  /** Resolves when healthy (optionally with details); throws or rejects when not. */
  check(signal: AbortSignal): Promise<Record<string, unknown> | void>;
}

export interface CheckStatus {
  status: 'up' | 'down';
  required: boolean;
  latencyMs: number;
  details?: Record<string, unknown>;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, CheckStatus>;
}

export interface HealthRegistryOptions {
  /** Per-check deadline; a check that takes longer counts as down. */
  timeoutMs?: number;
  /** Called with each result, e.g. to set the `mobius_dependency_up` gauge. */
  onResult?: (name: string, up: boolean) => void;
}

export class HealthRegistry {
  readonly #checks = new Map<string, HealthCheck>();
  readonly #timeoutMs: number;
  readonly #onResult: ((name: string, up: boolean) => void) | undefined;

  constructor(options: HealthRegistryOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#onResult = options.onResult;
  }

  register(check: HealthCheck): void {
    if (this.#checks.has(check.name)) throw new TypeError(`health check "${check.name}" is registered twice`);
    this.#checks.set(check.name, check);
  }

  names(): string[] {
    return [...this.#checks.keys()];
  }

  async run(): Promise<ReadinessReport> {
    const entries = await Promise.all([...this.#checks.values()].map(async (c) => [c.name, await this.#runOne(c)] as const));
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, s]) => s.status === 'up' || !s.required);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  async #runOne(check: HealthCheck): Promise<CheckStatus> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      const details = await Promise.race([check.check(controller.signal), deadline]);
      this.#onResult?.(check.name, true);
      const status: CheckStatus = { status: 'up', required: check.required, latencyMs: elapsed(started) };
      if (details) status.details = details;
      return status;
    } catch (err) {
      this.#onResult?.(check.name, false);
      return {
        status: 'down',
        required: check.required,
        latencyMs: elapsed(started),
        error: err instanceof Error ? err.message : String(err),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
