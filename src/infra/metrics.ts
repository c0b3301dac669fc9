import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric Möbius exports, on one registry per app (tests build several apps in one process).
 * Names follow Prometheus conventions: `mobius_` prefix, base units, `_total` for counters.
 * No label ever carries a user id: cardinality stays bounded by routes and capability names.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'mobius_' });
    // prom-client names three gauges `…_total`, which Prometheus reserves for counters (promtool
    // rejects them). The per-type gauges beside them (`mobius_nodejs_active_handles{type}` …)
    // carry the same numbers, so the misnamed ones go.
    for (const name of ['active_handles', 'active_requests', 'active_resources']) {
      registry.removeSingleMetric(`mobius_nodejs_${name}_total`);
    }
  }
  const registers = [registry];

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'mobius_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern, method and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    messagesTotal: new Counter({
      name: 'mobius_messages_total',
      help: 'Chat messages handled, by platform and where the intent came from (builtin, llm, mcp, none).',
      labelNames: ['platform', 'source'] as const,
      registers,
    }),
    capabilityDuration: new Histogram({
      name: 'mobius_capability_duration_seconds',
      help: 'Capability run latency by capability and outcome (ok, user_error, error).',
      labelNames: ['capability', 'outcome'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15],
      registers,
    }),
    capabilityErrors: new Counter({
      name: 'mobius_capability_errors_total',
      help: 'Capability failures by capability and error code.',
      labelNames: ['capability', 'code'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'mobius_rate_limited_total',
      help: 'Requests refused by a rate limit, by scope (user, capability, ip, restricted).',
      labelNames: ['scope'] as const,
      registers,
    }),
    cacheRequests: new Counter({
      name: 'mobius_cache_requests_total',
      help: 'Cache lookups by cache name and result (hit, stale, miss).',
      labelNames: ['cache', 'result'] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: 'mobius_circuit_breaker_state',
      help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open, 3 isolated.',
      labelNames: ['dependency'] as const,
      registers,
    }),
    dependencyCalls: new Counter({
      name: 'mobius_dependency_calls_total',
      help: 'Calls to external dependencies through a resilience policy, by dependency and outcome.',
      labelNames: ['dependency', 'outcome'] as const,
      registers,
    }),
    rpcDuration: new Histogram({
      name: 'mobius_rpc_request_duration_seconds',
      help: 'Chain reads through the RPC layer (all endpoints and fallbacks of one read), by chain.',
      labelNames: ['chain'] as const,
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'mobius_dependency_up',
      help: 'Result of the last readiness check per dependency: 1 up, 0 down.',
      labelNames: ['dependency'] as const,
      registers,
    }),
    internalErrors: new Counter({
      name: 'mobius_internal_errors_total',
      help: 'Unexpected errors shown to a caller as "something went wrong (ref …)", by front door.',
      labelNames: ['front_door'] as const,
      registers,
    }),
    // The LLM fallback. `provider` is the endpoint's host, `model` the configured model: both
    // bounded by the configuration.
    llmRequests: new Counter({
      name: 'mobius_llm_requests_total',
      help: 'Turns handed to an LLM provider, by provider, model and outcome (ok, error, timeout); a failure passes the turn to the next provider.',
      labelNames: ['provider', 'model', 'outcome'] as const,
      registers,
    }),
    llmTokens: new Counter({
      name: 'mobius_llm_tokens_total',
      help: 'Tokens used by the LLM fallback, by provider, model and kind (input, output).',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers,
    }),
    llmCost: new Counter({
      name: 'mobius_llm_cost_usd_total',
      help: 'Estimated cost of the LLM fallback in US dollars, from the token counts and LLM_PRICES (models without a price add nothing).',
      labelNames: ['provider', 'model'] as const,
      registers,
    }),
    llmExperimentOutcomes: new Counter({
      name: 'mobius_llm_experiment_outcomes_total',
      help: 'LLM turns by experiment, variant (a, b) and outcome (answered, tool_error, provider_failure, confirmed).',
      labelNames: ['experiment', 'variant', 'outcome'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
