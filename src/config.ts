import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseApiKeyPairs, parsePrices, parseProviderList } from './conversation/llm/providers.js';
import { parseMcpServers } from './conversation/llm/mcp-servers.js';

/**
 * Every setting, read from the environment (or an optional JSON file named by MOBIUS_CONFIG; the
 * environment wins). Each entry documents itself: the README's configuration table is generated
 * from this list and a test keeps the two in sync.
 */
interface Setting<T extends z.ZodType> {
  schema: T;
  /** What the README shows as the default (omitted = unset). */
  shown?: string;
  doc: string;
}

function setting<T extends z.ZodType>(schema: T, doc: string, shown?: string): Setting<T> {
  return shown === undefined ? { schema, doc } : { schema, doc, shown };
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(' or ')}//`);

export const settings = {
  MOBIUS_HOST: setting(z.string().min(1).default('127.0.0.1'), 'Address the HTTP server listens on. Anything but loopback makes API keys mandatory.', '127.0.0.1'),
  MOBIUS_PORT: setting(port.default(8080), 'HTTP port of the API, docs, health and metrics. 0 picks a free port.', '8080'),
  MOBIUS_DATA_DIR: setting(z.string().min(1).default('./data'), 'Directory for local state: the SQLite database `mobius.db` and the devnet (`devnet/`).', './data'),
  MOBIUS_CONFIG: setting(z.string().optional(), 'Path to a JSON file of these same settings; environment variables override it.'),
  DATABASE_URL: setting(url(['postgres:', 'postgresql:']).optional(), 'PostgreSQL connection URL. Unset: SQLite at `$MOBIUS_DATA_DIR/mobius.db`.'),
  LOG_LEVEL: setting(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level.', 'info'),
  MOBIUS_BODY_LIMIT: setting(positiveInt.max(16 * 1024 * 1024).default(256 * 1024), 'Largest accepted HTTP request body, in bytes.', '262144'),
  MOBIUS_MAX_MESSAGE_CHARS: setting(positiveInt.max(100_000).default(4000), 'Longest chat message the assistant accepts, in characters.', '4000'),
  MOBIUS_SHUTDOWN_TIMEOUT_MS: setting(positiveInt.default(10_000), 'How long a graceful shutdown waits for in-flight requests before closing.', '10000'),
  MOBIUS_RATE_LIMIT_FREE: setting(positiveInt.default(30), 'Requests per minute for a free-tier user (chat users and free API keys).', '30'),
  MOBIUS_RATE_LIMIT_PRO: setting(positiveInt.default(300), 'Requests per minute for a pro-tier user (and loopback callers without a key).', '300'),
  MOBIUS_RATE_LIMIT_ADMIN: setting(positiveInt.default(100_000), 'Requests per minute for an admin-tier API key.', '100000'),
  MOBIUS_RATE_LIMIT_IP_FACTOR: setting(positiveInt.max(10_000).default(10), 'Requests per minute one IP address may make at the HTTP API, as a multiple of its caller\'s tier limit.', '10'),
  MOBIUS_RESTRICT_AFTER: setting(positiveInt.max(1000).default(5), 'Refusals (rate limits, wrong link codes, invalid API keys) within `MOBIUS_RESTRICT_WINDOW_MINUTES` that put a user or IP address under a temporary restriction.', '5'),
  MOBIUS_RESTRICT_WINDOW_MINUTES: setting(positiveInt.max(1440).default(10), 'The window in which refusals are counted toward a restriction (minutes).', '10'),
  MOBIUS_RESTRICT_MINUTES: setting(positiveInt.max(10_080).default(15), 'Length of a first restriction (minutes); each further one within a day doubles it.', '15'),
  MOBIUS_RESTRICT_MAX_MINUTES: setting(positiveInt.max(43_200).default(1440), 'The longest a restriction can grow to by doubling (minutes).', '1440'),
  MOBIUS_TRUST_PROXY: setting(z.string().min(1).default('false').transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v)), 'Behind a reverse proxy: `true`, or the proxy addresses/CIDRs (comma-separated), so per-IP limits see the client address from X-Forwarded-For. `false` uses the socket address.', 'false'),
  MOBIUS_RETENTION_DAYS: setting(positiveInt.max(36_500).default(30), 'Conversation messages and notifications older than this many days are deleted by the retention job (with expired link codes and pending actions).', '30'),
  MOBIUS_RETENTION_INTERVAL_MINUTES: setting(positiveInt.max(10_080).default(60), 'How often a running server runs the retention job (it also runs at start).', '60'),
  ENCRYPTION_KEY: setting(z.string().min(1).optional(), 'Master key that wraps every wallet key: 32 random bytes as hex (`openssl rand -hex 32`). Unset in embedded mode: generated into `$MOBIUS_DATA_DIR/master.key` (back it up). Required with `DATABASE_URL`.'),
  ENCRYPTION_KEY_NEXT: setting(z.string().min(1).optional(), 'During a key rotation only: the new master key `bin/mobius keys rotate` re-wraps every wallet key under.'),
  CHAINS: setting(z.string().optional(), 'Comma-separated chains to serve (`ethereum`, `base`, `arbitrum`, `optimism`, `polygon`, `bsc`, `avalanche`, `pulsechain`, `devnet`), or `none`. Unset: the devnet plus every chain with an `RPC_URL_<CHAIN>`.', 'devnet + configured'),
  ...rpcUrlSettings(),
  RPC_TIMEOUT_MS: setting(positiveInt.max(120_000).default(5000), 'Deadline of one JSON-RPC request to one endpoint before the next endpoint is tried.', '5000'),
  DEVNET_MARKET_MAKER_INTERVAL_MS: setting(z.coerce.number().int().min(0).default(3000), 'How often the devnet market-maker swaps, moving prices (ms); 0 keeps the devnet market still.', '3000'),
  DEVNET_SEED: setting(z.coerce.number().int().min(0).max(2 ** 32 - 1).default(1), 'Seed of the devnet market-maker\'s random walk: the same seed gives the same price path.', '1'),
  DEVNET_PERSIST: setting(z.enum(['true', 'false']).default('true').transform((v) => v === 'true'), 'Keep the devnet\'s state in `$MOBIUS_DATA_DIR/devnet` across restarts (`bin/mobius devnet reset` starts it fresh).', 'true'),
  PRICE_SOURCES: setting(z.string().optional(), 'Comma-separated price sources: `coingecko`, `dexscreener`, `binance` (market APIs), `chainlink`, `pools` (on chain). Unset: the on-chain ones, plus the market APIs when a real chain is served (none on a devnet-only, offline install).', 'on-chain (+ APIs with real chains)'),
  COINGECKO_BASE_URL: setting(url(['http:', 'https:']).default('https://api.coingecko.com/api/v3'), 'CoinGecko API base URL (a pro key wants `https://pro-api.coingecko.com/api/v3`).', 'https://api.coingecko.com/api/v3'),
  COINGECKO_API_KEY: setting(z.string().min(1).optional(), 'CoinGecko API key (demo or pro; sent as a header, never logged).'),
  DEXSCREENER_BASE_URL: setting(url(['http:', 'https:']).default('https://api.dexscreener.com'), 'DexScreener API base URL.', 'https://api.dexscreener.com'),
  BINANCE_BASE_URL: setting(url(['http:', 'https:']).default('https://api.binance.com'), 'Binance spot API base URL.', 'https://api.binance.com'),
  PRICE_DEADLINE_MS: setting(positiveInt.max(60_000).default(2500), 'One deadline for all sources of one price: a slower source is left out and lowers the confidence.', '2500'),
  PRICE_CACHE_TTL_MS: setting(positiveInt.max(3_600_000).default(10_000), 'How long an aggregated price is served from the cache before the sources are asked again.', '10000'),
  MOBIUS_FIAT: setting(z.string().regex(/^[a-zA-Z]{3}$/, 'must be a 3-letter currency code').default('usd').transform((v) => v.toLowerCase()), 'Fiat currency prices are shown in when a person names none.', 'usd'),
  ...llmSettings(),
} satisfies Record<string, Setting<z.ZodType>>;

/**
 * The LLM fallback (all off unless LLM_PROVIDERS is set). Lists are parsed here, so a wrong entry
 * stops the start with one line naming the variable; keys are never echoed.
 */
function llmSettings() {
  const checked = <T>(parse: (text: string) => T) =>
    z.string().transform((text, ctx): T => {
      try {
        return parse(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
  const providers = checked(parseProviderList).optional();
  const format = 'same format as `LLM_PROVIDERS`';
  return {
    LLM_PROVIDERS: setting(providers, 'The LLM that answers what the built-in parser cannot, calling the capabilities as tools: comma-separated providers tried in order (the next on an error or timeout), each `openai-compatible:<baseURL>:<model>` or `anthropic:[<baseURL>]:<model>` — e.g. `openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b,anthropic::claude-sonnet-4-5`. Unset: no LLM; an unread message gets the closest example phrasings.'),
    LLM_PROVIDERS_PRO: setting(providers, `Providers for pro-tier users (${format}). Unset: \`LLM_PROVIDERS\`.`),
    LLM_PROVIDERS_ADMIN: setting(providers, `Providers for admin-tier users (${format}). Unset: \`LLM_PROVIDERS_PRO\`, else \`LLM_PROVIDERS\`.`),
    LLM_API_KEY: setting(z.string().min(1).optional(), 'API key sent to every LLM provider (Bearer token; `x-api-key` for Anthropic). Never logged.'),
    LLM_API_KEYS: setting(checked((text) => {
      parseApiKeyPairs(text);
      return text;
    }).optional(), 'Per-endpoint LLM API keys, comma-separated `<host>=<key>` (e.g. `api.groq.com=gsk_…,api.anthropic.com=sk-ant-…`); they win over `LLM_API_KEY`. Never logged.'),
    LLM_TIMEOUT_MS: setting(positiveInt.max(600_000).default(30_000), 'Deadline of one request to one LLM provider, a streamed answer included; past it the next provider continues the turn.', '30000'),
    LLM_MAX_STEPS: setting(positiveInt.max(20).default(5), 'Most tool-calling rounds the LLM gets for one message; the round after must answer without tools.', '5'),
    LLM_MAX_OUTPUT_TOKENS: setting(positiveInt.max(100_000).default(1024), 'Most tokens the LLM may write per round.', '1024'),
    LLM_SYSTEM_PROMPT: setting(z.string().optional(), 'Extra instructions added to the built-in system prompt (its safety rules always stay).'),
    LLM_PRICES: setting(checked((text) => {
      parsePrices(text);
      return text;
    }).optional(), 'Prices for the LLM cost metric, comma-separated `<model>=<input>/<output>` in USD per million tokens (e.g. `gpt-4o-mini=0.15/0.6`). Models without one count tokens only.'),
    LLM_EXPERIMENT_NAME: setting(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, _ . -').default('llm-b'), 'Name of the LLM A/B experiment; a new name reshuffles who gets variant B.', 'llm-b'),
    LLM_EXPERIMENT_SHARE: setting(z.coerce.number().min(0).max(100).default(0), 'Percent of users (by consistent hashing of the user id, so each keeps theirs) who get variant B of the LLM fallback. Counts per variant: `GET /v1/experiments`.', '0'),
    LLM_EXPERIMENT_PROVIDERS: setting(providers, `Variant B's providers, for every tier (${format}). Unset: variant A's.`),
    MCP_SERVERS: setting(checked(parseMcpServers).optional(), 'Other MCP servers whose tools the LLM fallback may use as a last resort, when no capability fits: comma-separated `<name>=<http(s) URL>` (streamable HTTP) or `<name>=stdio:<command> [args…]`. Connected on first use; a server that fails is skipped for a minute.'),
    MCP_SERVER_TIMEOUT_MS: setting(positiveInt.max(120_000).default(10_000), 'Deadline for connecting to, listing and calling an external MCP server.', '10000'),
    LLM_EXPERIMENT_PROMPT: setting(z.string().optional(), "Variant B's extra instructions, instead of `LLM_SYSTEM_PROMPT`. Unset: the same as variant A."),
  };
}

/** RPC_URL_<CHAIN> for every chain in the registry: comma-separated JSON-RPC URLs, tried in rank order. */
function rpcUrlSettings() {
  const chains = {
    RPC_URL_ETHEREUM: 'Ethereum',
    RPC_URL_BASE: 'Base',
    RPC_URL_ARBITRUM: 'Arbitrum One',
    RPC_URL_OPTIMISM: 'OP Mainnet',
    RPC_URL_POLYGON: 'Polygon PoS',
    RPC_URL_BSC: 'BNB Smart Chain',
    RPC_URL_AVALANCHE: 'Avalanche C-Chain',
    RPC_URL_PULSECHAIN: 'PulseChain',
    RPC_URL_DEVNET: 'the devnet of another Möbius instance (its `/rpc/devnet`): no devnet is started here',
  } as const;
  const urlList = z.string().refine(
    (s) =>
      s.split(',').every((u) => {
        try {
          return ['http:', 'https:'].includes(new URL(u.trim()).protocol);
        } catch {
          return false;
        }
      }),
    'must be comma-separated http(s):// URLs',
  );
  return Object.fromEntries(
    Object.entries(chains).map(([name, chain]) => [name, setting(urlList.optional(), `JSON-RPC URLs for ${chain}, comma-separated; several give failover.`)]),
  ) as { [K in keyof typeof chains]: Setting<z.ZodOptional<typeof urlList>> };
}

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> } & {
  /** Derived: the SQLite file used when DATABASE_URL is unset. */
  sqlitePath: string;
  /** Derived: whether the server listens on loopback only (API keys optional). */
  loopbackOnly: boolean;
};

/** A setting is wrong: the message is one line naming the variable, fit to print and exit. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('MOBIUS_CONFIG', `names a file that cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('MOBIUS_CONFIG', `names a file that is not valid JSON: ${file}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('MOBIUS_CONFIG', `must name a JSON object of settings: ${file}`);
  }
  const unknownKeys = Object.keys(parsed).filter((k) => !(k in settings));
  if (unknownKeys.length > 0) {
    throw new ConfigError('MOBIUS_CONFIG', `has unknown setting ${unknownKeys[0]} in ${file}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Parses the configuration; throws ConfigError on the first wrong value.
 *
 * @example loadConfig({ MOBIUS_PORT: '0' }).MOBIUS_PORT // 0
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const file = env.MOBIUS_CONFIG ? readConfigFile(env.MOBIUS_CONFIG) : {};
  const out: Record<string, unknown> = {};
  for (const [name, { schema }] of Object.entries(settings)) {
    const fromEnv = env[name];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file[name];
    const result = schema.safeParse(raw === null ? undefined : raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
      const problem = issue?.message ?? 'is invalid';
      // Never echo values of secret-looking settings back into logs.
      const echo = /URL|KEY|TOKEN|SECRET/.test(name) ? '' : ` (got "${shown}")`;
      throw new ConfigError(name, `${problem.replace(/^Invalid input: /, '')}${echo}`);
    }
    out[name] = result.data;
  }
  const config = out as Config;
  config.sqlitePath = path.resolve(config.MOBIUS_DATA_DIR, 'mobius.db');
  config.loopbackOnly = isLoopbackHost(config.MOBIUS_HOST);
  return config;
}

/** The README's configuration table, generated from `settings`. */
export function configTableMarkdown(): string {
  const lines = ['| variable | default | meaning |', '| --- | --- | --- |'];
  for (const [name, s] of Object.entries(settings) as Array<[string, Setting<z.ZodType>]>) {
    lines.push(`| \`${name}\` | ${s.shown === undefined ? '—' : `\`${s.shown}\``} | ${s.doc} |`);
  }
  return lines.join('\n');
}
