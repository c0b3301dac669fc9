/**
 * The LLM settings' small languages: provider lists, per-endpoint API keys and token prices.
 * Pure parsing, no AI SDK: `src/config.ts` checks the values at boot with these functions.
 */

export const providerKinds = ['openai-compatible', 'anthropic'] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** One model at one endpoint, as configured. */
export interface ProviderSpec {
  kind: ProviderKind;
  /** The API base (`…/v1`); for Anthropic the public API when the entry leaves it empty. */
  baseURL: string;
  model: string;
  /** `host[:port]` of the endpoint: the metrics label and the key lookup (never the key itself). */
  host: string;
}

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

// <kind>:<baseURL>:<model>. The URL's own colons (scheme, port) are allowed; its path may not hold
// one, so the model — which may (`llama3.1:8b`) — is everything after the URL.
const ENTRY = /^(openai-compatible|anthropic):((?:https?):\/\/(?:\[[0-9A-Fa-f:.]+\]|[^/:\s[\]]+)(?::\d{1,5})?(?:\/[^:\s]*)?)?:(\S+)$/;

/**
 * Parses `LLM_PROVIDERS`: comma-separated `<kind>:<baseURL>:<model>` entries, in the order they are
 * tried. Throws an Error whose message says what is wrong (config.ts turns it into a ConfigError).
 *
 * @example parseProviderList('openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b,anthropic::claude-sonnet-4-5')
 */
export function parseProviderList(text: string): ProviderSpec[] {
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('names no provider');
  return entries.map((entry) => {
    const match = ENTRY.exec(entry);
    if (!match) {
      throw new Error(`has an entry "${entry}" that is not <kind>:<baseURL>:<model> with kind ${providerKinds.join(' or ')} (e.g. openai-compatible:http://127.0.0.1:11434/v1:llama3.1)`);
    }
    const kind = match[1] as ProviderKind;
    const given = match[2];
    if (!given && kind !== 'anthropic') throw new Error(`has an entry "${entry}" without a base URL (only anthropic has a default)`);
    const baseURL = (given ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
    return { kind, baseURL, model: match[3]!, host: new URL(baseURL).host };
  });
}

/**
 * The API key for an endpoint: its own from `LLM_API_KEYS` (`host=key,…`), else `LLM_API_KEY`.
 * Keys are split at the first `=`, so keys that end in `=` (base64) survive.
 */
export function apiKeyLookup(single: string | undefined, pairs: string | undefined): (host: string) => string | undefined {
  const byHost = parseApiKeyPairs(pairs);
  return (host) => byHost.get(host.toLowerCase()) ?? single;
}

export function parseApiKeyPairs(pairs: string | undefined): Map<string, string> {
  const byHost = new Map<string, string>();
  for (const pair of (pairs ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    // The message names the position, never the text: it holds a key.
    if (eq <= 0 || eq === pair.length - 1) throw new Error(`entry ${byHost.size + 1} is not <host>=<key>`);
    byHost.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim());
  }
  return byHost;
}

/** USD per million tokens, for the cost metric. */
export interface TokenPrice {
  input: number;
  output: number;
}

/**
 * Parses `LLM_PRICES`: `<model>=<input>/<output>` in USD per million tokens, comma-separated.
 *
 * @example parsePrices('gpt-4o-mini=0.15/0.6').get('gpt-4o-mini') // { input: 0.15, output: 0.6 }
 */
export function parsePrices(text: string | undefined): Map<string, TokenPrice> {
  const prices = new Map<string, TokenPrice>();
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^(.+)=(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(entry);
    if (!match) throw new Error(`has an entry "${entry}" that is not <model>=<input>/<output> (USD per million tokens, e.g. gpt-4o-mini=0.15/0.6)`);
    prices.set(match[1]!.trim(), { input: Number(match[2]), output: Number(match[3]) });
  }
  return prices;
}
