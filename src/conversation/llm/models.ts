import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { ProviderSpec } from './providers.js';

/** A configured provider, ready to call. */
export interface LlmProvider {
  spec: ProviderSpec;
  model: LanguageModel;
}

/**
 * `fetch` with a deadline on each request to the provider — the response and, when streamed, its
 * whole body — so a provider that hangs fails in time for the next one to answer.
 */
export function fetchWithDeadline(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
}

/** The AI SDK model for one configured entry. */
export function createProvider(spec: ProviderSpec, options: { apiKey: string | undefined; timeoutMs: number }): LlmProvider {
  const fetch = fetchWithDeadline(options.timeoutMs);
  if (spec.kind === 'anthropic') {
    const provider = createAnthropic({ baseURL: spec.baseURL, fetch, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    return { spec, model: provider(spec.model) };
  }
  const provider = createOpenAICompatible({
    name: 'mobius',
    baseURL: spec.baseURL,
    fetch,
    // Token counts of streamed answers too (`stream_options.include_usage`), for the usage metrics.
    includeUsage: true,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return { spec, model: provider.chatModel(spec.model) };
}
