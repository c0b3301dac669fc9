import { AsyncLocalStorage } from 'node:async_hooks';
import { createPublicClient, custom, fallback, type PublicClient, type Transport } from 'viem';
import { DependencyError, UserError } from '../core/errors.js';
import type { Logger } from '../core/capability.js';
import type { HealthCheck } from '../infra/health.js';
import type { Metrics } from '../infra/metrics.js';
import { chainById, chainByKey, findChain, type ChainInfo, type ChainKey } from './chains.js';
import { toViemChain } from './viem-chain.js';
import type { Deployment } from './devnet/deployment.js';
import type { Eip1193Provider } from './devnet/edr.js';
import { isOutage, RpcEndpoint, type EndpointStatus } from './endpoint.js';

export interface ChainAccessOptions {
  /** The chains this instance serves, in the order people's ambiguous words prefer them. */
  chains: readonly ChainKey[];
  /** JSON-RPC URLs per chain; a chain without any uses its public defaults. */
  rpcUrls: Partial<Record<ChainKey, readonly string[]>>;
  /** The in-process devnet, when this instance runs one. */
  devnet?: { provider: Eip1193Provider; deployment: Deployment };
  /** The deployment of a devnet reached over RPC_URL_DEVNET. */
  remoteDevnet?: Deployment;
  timeoutMs: number;
  /** How often idle endpoints are probed to keep their ranking fresh (ms); 0 turns it off. */
  probeIntervalMs?: number;
  metrics: Metrics;
  log: Logger;
}

interface ChainEntry {
  info: ChainInfo;
  client: PublicClient;
  endpoints: RpcEndpoint[];
  /** Endpoint order by score, best first; what the fallback transport tries in turn. */
  ranked: RpcEndpoint[];
}

/**
 * Every enabled chain's viem client. Each endpoint has its own breaker; viem's `fallback`
 * moves a request to the next endpoint when one fails. Ranking is ours: viem's built-in ranker
 * loops on timers that never stop, which would keep a CLI run or a test process alive. Ours
 * reorders from live traffic plus an unref'd probe, and viem's fallback reads that order.
 */
export class ChainAccess {
  readonly #chains = new Map<number, ChainEntry>();
  readonly #order: ChainInfo[] = [];
  readonly #probe: NodeJS.Timeout | undefined;
  readonly #metrics: Metrics;

  constructor(options: ChainAccessOptions) {
    this.#metrics = options.metrics;
    for (const key of options.chains) {
      const entry = this.#build(key, options);
      this.#chains.set(entry.info.id, entry);
      this.#order.push(entry.info);
    }
    const interval = options.probeIntervalMs ?? 15_000;
    if (interval > 0 && [...this.#chains.values()].some((c) => c.endpoints.length > 1)) {
      this.#probe = setInterval(() => void this.#probeAll(), interval);
      this.#probe.unref();
    }
  }

  /** Enabled chains in preference order. */
  chains(): readonly ChainInfo[] {
    return this.#order;
  }

  has(chainId: number): boolean {
    return this.#chains.has(chainId);
  }

  /** The chain for an id, key or a person's words; a clear error when it is not enabled here. */
  chain(which: number | string): ChainInfo {
    const info = typeof which === 'number' ? chainById(which) : findChain(which);
    if (!info) throw new UserError('bad_input', `I don't know a chain called "${which}". I know ${this.#order.map((c) => c.name).join(', ')}.`);
    const entry = this.#chains.get(info.id);
    if (!entry) throw new UserError('bad_input', `${info.name} is not enabled on this Möbius; enabled: ${this.#order.map((c) => c.name).join(', ')}.`);
    return entry.info;
  }

  client(chainId: number): PublicClient {
    const entry = this.#chains.get(chainId);
    if (!entry) throw new UserError('bad_input', `chain ${chainId} is not enabled on this Möbius`);
    return entry.client;
  }

  endpoints(chainId: number): EndpointStatus[] {
    return (this.#chains.get(chainId)?.ranked ?? []).map((e) => e.status());
  }

  /**
   * Runs a chain read and turns "every endpoint failed" into a DependencyError naming the chain,
   * while request errors (a revert, a bad argument) pass through unchanged.
   */
  async read<T>(chainId: number, fn: (client: PublicClient) => Promise<T>): Promise<T> {
    const entry = this.#chains.get(chainId);
    if (!entry) throw new UserError('bad_input', `chain ${chainId} is not enabled on this Möbius`);
    const started = performance.now();
    try {
      const value = await fn(entry.client);
      this.#metrics.dependencyCalls.inc({ dependency: `rpc:${entry.info.key}`, outcome: 'success' });
      return value;
    } catch (err) {
      if (err instanceof UserError) throw err;
      this.#metrics.dependencyCalls.inc({ dependency: `rpc:${entry.info.key}`, outcome: 'failure' });
      if (entry.endpoints.length > 0 && isOutage(err)) {
        throw new DependencyError(`${entry.info.name} RPC`, { cause: err, details: { chain: entry.info.key } });
      }
      throw err;
    } finally {
      this.#metrics.rpcDuration.observe({ chain: entry.info.key }, (performance.now() - started) / 1000);
      if (entry.endpoints.length > 1) entry.ranked = [...entry.endpoints].sort((a, b) => a.score() - b.score());
    }
  }

  /** One readiness check per chain (`chain:<key>`), optional: one chain down is not the instance down. */
  healthChecks(): HealthCheck[] {
    return this.#order.map((info) => ({
      name: `chain:${info.key}`,
      required: false,
      check: async () => {
        const entry = this.#chains.get(info.id)!;
        const block = await entry.client.getBlockNumber({ cacheTime: 0 });
        return { block: block.toString(), endpoints: this.endpoints(info.id) };
      },
    }));
  }

  close(): void {
    clearInterval(this.#probe);
  }

  #build(key: ChainKey, options: ChainAccessOptions): ChainEntry {
    const base = chainByKey(key);
    if (key === 'devnet' && options.devnet) {
      const { deployment, provider } = options.devnet;
      const info = devnetInfo(base, deployment);
      const client = createPublicClient({ chain: toViemChain(info, { multicall3: deployment.multicall3 }), transport: custom(provider, { retryCount: 0 }), batch: { multicall: false } });
      return { info, client, endpoints: [], ranked: [] };
    }
    const urls = options.rpcUrls[key] ?? base.defaultRpcUrls;
    if (urls.length === 0) throw new UserError('bad_input', `${base.name} has no RPC URL; set ${`RPC_URL_${key.toUpperCase()}`}`);
    const info = key === 'devnet' && options.remoteDevnet ? devnetInfo(base, options.remoteDevnet) : base;
    const endpoints = urls.map(
      (url) =>
        new RpcEndpoint(url, {
          timeoutMs: options.timeoutMs,
          onBreakerState: (state) => options.metrics.breakerState.set({ dependency: `rpc:${key}:${new URL(url).host}` }, BREAKER_GAUGE[state]),
        }),
    );
    const entry: ChainEntry = { info, client: undefined as unknown as PublicClient, endpoints, ranked: [...endpoints] };
    // Slot i means "the i-th best endpoint when this request started": each request runs with its
    // own snapshot of the ranking, so a re-rank by a concurrent request cannot send a retry back
    // to the endpoint that just failed it.
    const order = new AsyncLocalStorage<readonly RpcEndpoint[]>();
    const slots: Transport[] = endpoints.map((_, i) => (params) => (order.getStore() ?? entry.ranked)[i]!.transport(params));
    const failover = fallback(slots, { retryCount: 0 });
    const ranked: Transport = (params) => {
      const inner = failover(params);
      return { ...inner, request: ((args: never, opts: never) => order.run([...entry.ranked], () => inner.request(args, opts))) as typeof inner.request };
    };
    const multicall3 = info.multicall3 ?? undefined;
    entry.client = createPublicClient({
      chain: toViemChain(info, { ...(multicall3 ? { multicall3 } : {}), rpcUrls: [...urls] }),
      transport: ranked,
      batch: { multicall: false },
    });
    return entry;
  }

  async #probeAll(): Promise<void> {
    for (const entry of this.#chains.values()) {
      if (entry.endpoints.length < 2) continue;
      await Promise.all(
        entry.endpoints.map((e) =>
          e
            .transport({ chain: undefined, retryCount: 0 })
            .request({ method: 'eth_blockNumber' })
            .catch(() => undefined),
        ),
      );
      entry.ranked = [...entry.endpoints].sort((a, b) => a.score() - b.score());
    }
  }

  /** Re-ranks now (tests and the probe); normally runs on its own. */
  rerank(): void {
    for (const entry of this.#chains.values()) entry.ranked = [...entry.endpoints].sort((a, b) => a.score() - b.score());
  }
}

const BREAKER_GAUGE = { closed: 0, half_open: 1, open: 2, isolated: 3 } as const;

/** The devnet's registry entry completed with what only its deployment knows. */
function devnetInfo(base: ChainInfo, deployment: Deployment): ChainInfo {
  return { ...base, id: deployment.chainId, wrappedNative: { symbol: 'WETH', address: deployment.weth }, multicall3: deployment.multicall3 };
}
