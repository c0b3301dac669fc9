import type { CapabilityInvoker } from '../../capabilities/invoke.js';
import type { Logger } from '../../core/capability.js';
import type { Tier } from '../../core/identity.js';
import type { CapabilityRegistry } from '../../core/registry.js';
import type { Metrics } from '../../infra/metrics.js';
import { Experiments, type Variant, type VariantDescription } from './experiments.js';
import { LlmFallback, type VariantSetup } from './fallback.js';
import { ExternalMcpTools } from './mcp-tools.js';
import type { McpServerSpec } from './mcp-servers.js';
import { createProvider, type LlmProvider } from './models.js';
import { systemPrompt } from './prompt.js';
import { apiKeyLookup, parseApiKeyPairs, parsePrices, type ProviderSpec } from './providers.js';

/** The LLM settings of `src/config.ts` (lists already parsed there). */
export interface LlmSettings {
  LLM_PROVIDERS: ProviderSpec[] | undefined;
  LLM_PROVIDERS_PRO: ProviderSpec[] | undefined;
  LLM_PROVIDERS_ADMIN: ProviderSpec[] | undefined;
  LLM_API_KEY: string | undefined;
  LLM_API_KEYS: string | undefined;
  LLM_TIMEOUT_MS: number;
  LLM_MAX_STEPS: number;
  LLM_MAX_OUTPUT_TOKENS: number;
  LLM_SYSTEM_PROMPT: string | undefined;
  LLM_PRICES: string | undefined;
  LLM_EXPERIMENT_NAME: string;
  LLM_EXPERIMENT_SHARE: number;
  LLM_EXPERIMENT_PROVIDERS: ProviderSpec[] | undefined;
  LLM_EXPERIMENT_PROMPT: string | undefined;
  MCP_SERVERS: McpServerSpec[] | undefined;
  MCP_SERVER_TIMEOUT_MS: number;
}

/** A setting that cannot work, found while building (config.ts has already checked the formats). */
export class LlmSettingError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(problem);
  }
}

export interface LlmSetup {
  experiments: Experiments;
  /** The fallback, once the invoker (which holds `experiments.watchConfirmations`) exists. */
  createFallback(deps: { invoker: CapabilityInvoker; registry: CapabilityRegistry }): LlmFallback;
  /** Disconnects from external MCP servers. */
  close(): Promise<void>;
}

/**
 * Builds the LLM fallback from the settings. `src/app.ts` imports this module only when
 * `LLM_PROVIDERS` is set, so a Möbius without an LLM never loads the AI SDK.
 */
export function prepareLlm(settings: LlmSettings, deps: { log: Logger; metrics: Metrics; pendingTtlMs?: number }): LlmSetup {
  const base = settings.LLM_PROVIDERS;
  if (!base) throw new LlmSettingError('LLM_PROVIDERS', 'is needed for the LLM fallback');
  const keyFor = apiKeyLookup(settings.LLM_API_KEY, settings.LLM_API_KEYS);
  const secrets = [settings.LLM_API_KEY, ...parseApiKeyPairs(settings.LLM_API_KEYS).values()].filter((k): k is string => Boolean(k));

  // One model object per distinct entry, shared by the tiers and variants that list it.
  const built = new Map<string, LlmProvider>();
  const build = (variable: string, specs: readonly ProviderSpec[]): LlmProvider[] =>
    specs.map((spec) => {
      const id = `${spec.kind}|${spec.baseURL}|${spec.model}`;
      let provider = built.get(id);
      if (!provider) {
        const apiKey = keyFor(spec.host);
        if (spec.kind === 'anthropic' && !apiKey) {
          throw new LlmSettingError('LLM_API_KEY', `is needed for the anthropic provider at ${spec.host} in ${variable} (set LLM_API_KEY, or ${spec.host}=<key> in LLM_API_KEYS)`);
        }
        provider = createProvider(spec, { apiKey, timeoutMs: settings.LLM_TIMEOUT_MS });
        built.set(id, provider);
      }
      return provider;
    });
  const tiers = (variable: string, lists: Record<Tier, ProviderSpec[]>): Record<Tier, LlmProvider[]> => ({
    free: build(variable, lists.free),
    pro: build(variable, lists.pro),
    admin: build(variable, lists.admin),
  });

  const pro = settings.LLM_PROVIDERS_PRO ?? base;
  const listsA: Record<Tier, ProviderSpec[]> = { free: base, pro, admin: settings.LLM_PROVIDERS_ADMIN ?? pro };
  const b = settings.LLM_EXPERIMENT_PROVIDERS;
  const listsB: Record<Tier, ProviderSpec[]> = b ? { free: b, pro: b, admin: b } : listsA;
  const promptB = settings.LLM_EXPERIMENT_PROMPT ?? settings.LLM_SYSTEM_PROMPT;
  const variants: Record<Variant, VariantSetup> = {
    a: { providers: tiers('LLM_PROVIDERS', listsA), system: systemPrompt(settings.LLM_SYSTEM_PROMPT) },
    b: { providers: tiers('LLM_EXPERIMENT_PROVIDERS', listsB), system: systemPrompt(promptB) },
  };
  const describe = (lists: Record<Tier, ProviderSpec[]>, prompt: string | undefined): VariantDescription => ({
    models: [...new Set(Object.values(lists).flat().map((s) => s.model))],
    prompt: prompt?.trim() ? 'custom' : 'built-in',
  });
  const experiments = new Experiments({
    name: settings.LLM_EXPERIMENT_NAME,
    share: settings.LLM_EXPERIMENT_SHARE / 100,
    variants: { a: describe(listsA, settings.LLM_SYSTEM_PROMPT), b: describe(listsB, promptB) },
    metric: deps.metrics.llmExperimentOutcomes,
    ...(deps.pendingTtlMs ? { pendingTtlMs: deps.pendingTtlMs } : {}),
  });

  // The AI SDK prints its warnings (an unsupported setting of a provider) to the console; send them to the log.
  const g = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
  g.AI_SDK_LOG_WARNINGS ??= (options: { warnings: unknown[]; provider: string; model: string }) =>
    deps.log.debug({ warnings: options.warnings, model: options.model }, 'AI SDK warnings');

  const external = settings.MCP_SERVERS?.length ? new ExternalMcpTools({ servers: settings.MCP_SERVERS, timeoutMs: settings.MCP_SERVER_TIMEOUT_MS, log: deps.log }) : undefined;

  return {
    experiments,
    close: async () => external?.close(),
    createFallback: ({ invoker, registry }) =>
      new LlmFallback({
        invoker,
        registry,
        experiments,
        variants,
        ...(external ? { external } : {}),
        maxSteps: settings.LLM_MAX_STEPS,
        maxOutputTokens: settings.LLM_MAX_OUTPUT_TOKENS,
        prices: parsePrices(settings.LLM_PRICES),
        metrics: deps.metrics,
        log: deps.log,
        secrets,
      }),
  };
}
