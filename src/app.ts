import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { capabilities } from './capabilities/index.js';
import type { ChainServices, DevnetServices, MarketServices } from './capabilities/services.js';
import { chainKeys, parseRpcUrlList, rpcEnvName, type ChainKey } from './chain/chains.js';
import type { Deployment } from './chain/devnet/deployment.js';
import type { Devnet } from './chain/devnet/devnet.js';
import type { DevnetAdmin } from './chain/devnet/rpc-gateway.js';
import { devnetDir, runningDevnetEndpoint } from './chain/devnet/journal.js';
import type { TokenRef } from './core/token.js';
import type { PoolAnchors } from './market/sources/dex-pools.js';
import type { CandleSource, PriceQuote, PriceSource } from './market/types.js';
import type { MetadataReader } from './chain/tokens.js';
import { knownTokenWords } from './conversation/token-words.js';
import { CapabilityInvoker } from './capabilities/invoke.js';
import { Confirmations } from './capabilities/confirmation.js';
import { PendingActionStore } from './capabilities/pending-actions.js';
import { answerPendingAction } from './conversation/confirmation-answers.js';
import { ConversationContext } from './conversation/context.js';
import type { AppInfo } from './capabilities/services.js';
import { ConfigError, type Config } from './config.js';
import { CapabilityRegistry } from './core/registry.js';
import { Assistant } from './conversation/assistant.js';
import { IntentParser } from './conversation/parser.js';
import type { Experiments } from './conversation/llm/experiments.js';
import type { LlmSetup } from './conversation/llm/setup.js';
import { ApiKeyStore } from './infra/api-keys.js';
import { AuditLog } from './infra/audit.js';
import { openDatabase, type DatabaseHandle } from './infra/db/database.js';
import { migrateToLatest } from './infra/db/migrate.js';
import { HealthRegistry } from './infra/health.js';
import { createLogger, type Logger } from './infra/log.js';
import { createMetrics, type Metrics } from './infra/metrics.js';
import { createRateLimiter, type RateLimiter } from './infra/ratelimit.js';
import { createHttpServer } from './platforms/http/server.js';
import { IdentityStore } from './wallets/identities.js';
import { AccountLinks } from './wallets/account-links.js';
import { UserDataService } from './wallets/user-data.js';
import { startRetentionJob } from './infra/retention.js';
import { PreferenceStore } from './wallets/preferences.js';
import { TransactionStore } from './wallets/transactions.js';
import type { ActivityReader } from './wallets/activity.js';
import type { PortfolioService } from './wallets/portfolio.js';
import { KeystoreError, type Keystore } from './wallets/keystore.js';
import { loadMasterKeys, openKeystore, type MasterKeySettings } from './wallets/key-vault.js';
import { MasterKeyError } from './wallets/master-key.js';
import { WalletService } from './wallets/wallets.js';

/** Everything one running Möbius instance is made of. Built only here. */
export interface App {
  config: Config;
  info: AppInfo;
  log: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  database: DatabaseHandle;
  registry: CapabilityRegistry;
  invoker: CapabilityInvoker;
  /** The pending-action flow of write capabilities. */
  confirmations: Confirmations;
  assistant: Assistant;
  identities: IdentityStore;
  preferences: PreferenceStore;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  rateLimiter: RateLimiter;
  /** One-time codes linking a person's identities across platforms. */
  accountLinks: AccountLinks;
  /** GDPR export and erasure (`bin/mobius user export|delete`). */
  userData: UserDataService;
  /** Undefined when no chain is served (CHAINS=none). */
  chain: ChainServices | undefined;
  /** Undefined when no chain is served. */
  market: MarketServices | undefined;
  /** Wallet keys' envelope encryption; undefined only for commands opened with `keystore: false`. */
  keystore: Keystore | undefined;
  /** The users' wallets; undefined when the keystore is not opened. */
  wallets: WalletService | undefined;
  /** The devnet this process runs, if it runs one. */
  devnet: Devnet | undefined;
  /** The LLM fallback's A/B experiment; undefined without an LLM (LLM_PROVIDERS unset). */
  experiments: Experiments | undefined;
  /** Closes what the app opened (the database last). Safe to call twice. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Use this logger instead of one built from LOG_LEVEL (tests capture lines). */
  log?: Logger;
  /** Run migrations at start (default true; `mobius migrate` runs them explicitly). */
  migrate?: boolean;
  /** Register Node's default process metrics (default true; off for many apps in one test process). */
  defaultMetrics?: boolean;
  /** Serve no chains whatever the configuration says (CLI commands that never touch one). */
  withoutChains?: boolean;
  /** Use this already running devnet instead of starting one (tests share one across apps). */
  devnet?: Devnet;
  /** Open the keystore (load the master key, check the canary); default true. Off for commands that never touch keys. */
  keystore?: boolean;
}

/** The package version, read once from package.json next to src/ and dist/. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The composition root: builds every service from the configuration and wires them together.
 * No other module constructs services.
 */
export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const health = new HealthRegistry({ onResult: (name, up) => metrics.dependencyUp.labels(name).set(up ? 1 : 0) });

  const database = await openDatabase({
    sqlitePath: config.sqlitePath,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    logger: log,
  });
  const closers: Array<() => Promise<void>> = [];
  try {
    if (options.migrate !== false) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length > 0) log.info({ applied }, 'database migrated');
    }
    health.register(database.healthCheck);
    const keystore = options.keystore === false ? undefined : await openAppKeystore(config, database, log);

    const info: AppInfo = {
      name: 'Möbius',
      version: packageVersion(),
      startedAt: new Date(),
      mode: database.dialect === 'postgres' ? 'scaled' : 'embedded',
      database: database.dialect,
    };
    const identities = new IdentityStore(database.db);
    const preferences = new PreferenceStore(database.db);
    const apiKeys = new ApiKeyStore(database.db, { onError: (err) => log.warn({ err }, 'could not record API key use') });
    const audit = new AuditLog(database.db, database.dialect);
    const wallets = keystore ? new WalletService(database.db, keystore, audit) : undefined;
    const rateLimiter = createRateLimiter({
      tiers: { free: config.MOBIUS_RATE_LIMIT_FREE, pro: config.MOBIUS_RATE_LIMIT_PRO, admin: config.MOBIUS_RATE_LIMIT_ADMIN },
      metrics,
      ipFactor: config.MOBIUS_RATE_LIMIT_IP_FACTOR,
      escalation: {
        threshold: config.MOBIUS_RESTRICT_AFTER,
        windowSeconds: config.MOBIUS_RESTRICT_WINDOW_MINUTES * 60,
        restrictSeconds: config.MOBIUS_RESTRICT_MINUTES * 60,
        maxRestrictSeconds: Math.max(config.MOBIUS_RESTRICT_MAX_MINUTES, config.MOBIUS_RESTRICT_MINUTES) * 60,
      },
      onRestricted: (r) => {
        const data = { until: r.until.toISOString(), seconds: r.seconds, strike: r.strike, reason: r.reason };
        log.warn({ subject: r.subject, ...data }, 'restricted after repeated violations');
        audit.append({ actor: 'system', action: 'ratelimit.restricted', subject: r.subject, data }).catch((err: unknown) => log.error({ err }, 'could not audit a restriction'));
      },
    });
    const accountLinks = new AccountLinks({ db: database.db, identities, audit, violations: rateLimiter });
    const userData = new UserDataService({ db: database.db, dialect: database.dialect, identities, audit });

    const chainSetup = await createChainServices(config, { log, metrics, ...(options.devnet ? { devnet: options.devnet } : {}), none: options.withoutChains === true });
    closers.push(chainSetup.close);
    for (const check of chainSetup.chain?.access.healthChecks() ?? []) health.register(check);
    const market = chainSetup.chain ? await createMarketServices(config, chainSetup.chain, { log, metrics, health }) : undefined;
    if (chainSetup.chain && market) {
      const { tokens } = chainSetup.chain;
      // Gas costs in USD: the native coin's price from the oracle, named with the sources it used.
      chainSetup.chain.gas.priceNativeWith(async (chainId) => {
        const answer = await market.oracle.price(market.request(tokens.native(chainId), 'usd'));
        return { price: answer.price, source: `the price oracle (${answer.sources.filter((s) => s.used).map((s) => s.name).join(', ')})` };
      });
    }

    // What Möbius sends for people, a wallet's on-chain activity and the portfolio (the last two need chains and prices).
    const transactions = new TransactionStore(database.db);
    const accounts = chainSetup.chain && market ? await createAccountServices(chainSetup.chain, market, transactions) : { activity: undefined, portfolio: undefined };

    const registry = new CapabilityRegistry(capabilities);
    const confirmations = new Confirmations({ store: new PendingActionStore(database.db), audit });
    const llm = config.LLM_PROVIDERS ? await loadLlm(config, { log, metrics, pendingTtlMs: confirmations.ttlMs }) : undefined;
    if (llm) closers.push(llm.close);
    const parser = new IntentParser(registry, { tokenWords: knownTokenWords() });
    // Follow-ups ("and sol?", "chart it", "again"): remembers each identity's last run, reads the next message with it.
    const context = new ConversationContext({ parser, registry });
    const invoker = new CapabilityInvoker(
      {
        registry,
        services: { registry, health, appInfo: info, chain: chainSetup.chain, market, confirmations, transactions, wallets, accountLinks, preferences, ...accounts },
        log,
        rateLimiter,
        audit,
        metrics,
      },
      [context.remember, confirmations.step, ...(llm ? [llm.experiments.watchConfirmations] : [])],
    );
    confirmations.attach(invoker);
    const assistant = new Assistant(
      {
        parser,
        invoker,
        identities,
        rateLimiter,
        metrics,
        log,
        maxMessageChars: config.MOBIUS_MAX_MESSAGE_CHARS,
        ...(llm ? { fallback: llm.createFallback({ invoker, registry }) } : {}),
      },
      [answerPendingAction, context.step],
    );

    let closed: Promise<void> | undefined;
    return {
      config,
      info,
      log,
      metrics,
      health,
      database,
      registry,
      invoker,
      confirmations,
      assistant,
      identities,
      preferences,
      apiKeys,
      audit,
      rateLimiter,
      accountLinks,
      userData,
      chain: chainSetup.chain,
      market,
      keystore,
      wallets,
      devnet: chainSetup.devnet,
      experiments: llm?.experiments,
      close: () =>
        (closed ??= (async () => {
          await apiKeys.flush(); // pending last_used_at writes, before the database goes
          for (const close of closers.reverse()) await close();
          await database.close();
        })()),
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await database.close();
    throw err;
  }
}

/** The master key file of an embedded install. */
export function masterKeyFile(config: Config): string {
  return path.resolve(config.MOBIUS_DATA_DIR, 'master.key');
}

export function masterKeySettings(config: Config): MasterKeySettings {
  return { encryptionKey: config.ENCRYPTION_KEY, encryptionKeyNext: config.ENCRYPTION_KEY_NEXT, keyFile: masterKeyFile(config), mayCreate: !config.DATABASE_URL };
}

/**
 * The LLM fallback, loaded only when configured: the AI SDK is a large import that a Möbius
 * without an LLM never pays for at start-up.
 */
async function loadLlm(config: Config, deps: { log: Logger; metrics: Metrics; pendingTtlMs: number }): Promise<LlmSetup> {
  const { prepareLlm, LlmSettingError } = await import('./conversation/llm/setup.js');
  try {
    return prepareLlm(config, deps);
  } catch (err) {
    if (err instanceof LlmSettingError) throw new ConfigError(err.variable, err.message);
    throw err;
  }
}

/** Loads the master key(s) and checks them against the database's canary; a mismatch stops start-up. */
async function openAppKeystore(config: Config, database: DatabaseHandle, log: Logger): Promise<Keystore> {
  try {
    const keys = loadMasterKeys(masterKeySettings(config));
    if (keys.created) log.info({ file: masterKeyFile(config) }, 'generated a new master key for wallet keys; back this file up: without it no wallet key can be recovered');
    if (keys.next) log.warn({ next: keys.next.id }, 'a master key rotation is under way; run `bin/mobius keys rotate` to finish it');
    return await openKeystore(database.db, keys);
  } catch (err) {
    if (err instanceof MasterKeyError || err instanceof KeystoreError) throw new ConfigError('ENCRYPTION_KEY', err.message);
    throw err;
  }
}

/** The chains to serve: CHAINS when set, else the devnet plus every chain given an RPC URL. */
export function enabledChains(config: Config): ChainKey[] {
  if (config.CHAINS !== undefined) {
    const words = config.CHAINS.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
    if (words.length === 1 && words[0] === 'none') return [];
    for (const word of words) {
      if (!chainKeys.includes(word as ChainKey)) throw new ConfigError('CHAINS', `names an unknown chain "${word}"; known: ${chainKeys.join(', ')}, or none`);
    }
    return [...new Set(words as ChainKey[])];
  }
  return ['devnet', ...chainKeys.filter((key) => key !== 'devnet' && config[rpcEnvName(key) as keyof Config])];
}

interface ChainSetup {
  chain: ChainServices | undefined;
  devnet: Devnet | undefined;
  close(): Promise<void>;
}

async function createChainServices(config: Config, deps: { log: Logger; metrics: Metrics; devnet?: Devnet; none: boolean }): Promise<ChainSetup> {
  const keys = deps.none ? [] : enabledChains(config);
  if (keys.length === 0) return { chain: undefined, devnet: undefined, close: () => Promise.resolve() };
  // Loaded only when a chain is served: viem and the devnet are most of the start-up time and
  // memory of a server that serves none.
  const [{ ChainAccess }, { BalanceReader }, { GasOracle }, { TokenRegistry }, { fetchRemoteDeployment, startDevnet }, { DevnetFaucet }, { erc20Abi }, { L1Cache }] = await Promise.all([
    import('./chain/chain-access.js'),
    import('./chain/balances.js'),
    import('./chain/gas.js'),
    import('./chain/tokens.js'),
    import('./chain/devnet/devnet.js'),
    import('./chain/devnet/faucet.js'),
    import('viem'),
    import('./infra/cache.js'),
  ]);
  const rpcUrls: Partial<Record<ChainKey, string[]>> = {};
  for (const key of keys) {
    const variable = rpcEnvName(key);
    const value = config[variable as keyof Config] as string | undefined;
    if (value) rpcUrls[key] = parseRpcUrlList(variable, value);
  }
  let devnet: Devnet | undefined;
  let ownDevnet = false;
  let remoteDevnet: Deployment | undefined;
  if (keys.includes('devnet')) {
    const shared = !rpcUrls.devnet && !deps.devnet && config.DEVNET_PERSIST ? runningDevnetEndpoint(devnetDir(config.MOBIUS_DATA_DIR)) : undefined;
    if (shared) {
      deps.log.info({ url: shared }, 'the devnet of this data directory runs in another process; using it over JSON-RPC');
      rpcUrls.devnet = [shared];
    }
    if (rpcUrls.devnet) {
      remoteDevnet = await fetchRemoteDeployment(rpcUrls.devnet, config.RPC_TIMEOUT_MS).catch((err: unknown) => {
        throw new ConfigError('RPC_URL_DEVNET', (err as Error).message.replace(/^RPC_URL_DEVNET: /, ''));
      });
    } else if (deps.devnet) {
      devnet = deps.devnet;
    } else {
      devnet = await startDevnet({
        dir: config.DEVNET_PERSIST ? devnetDir(config.MOBIUS_DATA_DIR) : undefined,
        log: deps.log,
        marketMaker: { intervalMs: config.DEVNET_MARKET_MAKER_INTERVAL_MS, seed: config.DEVNET_SEED },
      });
      ownDevnet = true;
    }
  }
  const access = new ChainAccess({
    chains: keys,
    rpcUrls,
    ...(devnet ? { devnet: { provider: devnet.node, deployment: devnet.node.deployment } } : {}),
    ...(remoteDevnet ? { remoteDevnet } : {}),
    timeoutMs: config.RPC_TIMEOUT_MS,
    metrics: deps.metrics,
    log: deps.log,
  });
  const readTokenMetadata: MetadataReader = (chainId, address) =>
    access.read(chainId, async (client) => {
      const [name, symbol, decimals, totalSupply] = await client.multicall({
        allowFailure: false,
        contracts: [
          { address, abi: erc20Abi, functionName: 'name' },
          { address, abi: erc20Abi, functionName: 'symbol' },
          { address, abi: erc20Abi, functionName: 'decimals' },
          { address, abi: erc20Abi, functionName: 'totalSupply' },
        ],
      });
      return { name, symbol, decimals, totalSupply };
    });
  const tokens = new TokenRegistry({ chains: access.chains(), readMetadata: readTokenMetadata });
  // Keyed by block, so entries never go stale; the TTL only returns memory of blocks long past.
  const balanceCache = new L1Cache<bigint>({ name: 'balances', max: 200_000, defaultTtlMs: 120_000, metrics: deps.metrics.cacheRequests });
  const deployment = devnet?.node.deployment ?? remoteDevnet;
  let devnetServices: DevnetServices | undefined;
  if (deployment) {
    tokens.addTokens(
      deployment.chainId,
      deployment.tokens.map((t) => ({ chainId: deployment.chainId, address: t.address, symbol: t.symbol, decimals: t.decimals, name: t.name, devnet: true })),
    );
    const client = access.client(deployment.chainId);
    devnetServices = {
      deployment,
      faucet: devnet ? devnet.faucet : new DevnetFaucet(client, client, deployment),
      marketMaker: devnet?.marketMaker,
      persisted: Boolean(devnet?.node.persisted),
    };
  }
  return {
    chain: { access, tokens, balances: new BalanceReader(access, undefined, balanceCache), gas: new GasOracle(access), devnet: devnetServices, readTokenMetadata },
    devnet,
    async close() {
      access.close();
      if (ownDevnet) await devnet?.close();
    },
  };
}

export interface RunningServer {
  app: App;
  http: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /**
   * Graceful stop: stop accepting, let in-flight requests finish (bounded by
   * MOBIUS_SHUTDOWN_TIMEOUT_MS), then close the database. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** Creates the app and starts its front doors (HTTP for now) on the configured address. */
export async function startServer(config: Config, options: CreateAppOptions = {}): Promise<RunningServer> {
  const app = await createApp(config, options);
  let http: FastifyInstance;
  try {
    http = await createHttpServer({
      loopbackOnly: config.loopbackOnly,
      bodyLimit: config.MOBIUS_BODY_LIMIT,
      log: app.log,
      appInfo: app.info,
      assistant: app.assistant,
      invoker: app.invoker,
      registry: app.registry,
      apiKeys: app.apiKeys,
      health: app.health,
      metrics: app.metrics,
      rateLimiter: app.rateLimiter,
      trustProxy: config.MOBIUS_TRUST_PROXY,
      ...(app.experiments ? { experiments: app.experiments } : {}),
      ...(app.devnet ? { devnetRpc: { provider: app.devnet.node, deployment: app.devnet.node.deployment, admin: marketMakerAdmin(app.devnet) } } : {}),
    });
    await http.listen({ host: config.MOBIUS_HOST, port: config.MOBIUS_PORT });
  } catch (err) {
    await app.close();
    throw listenError(err, config);
  }
  // Old messages and notifications, expired link codes and pending actions: now, then periodically.
  const retention = startRetentionJob(app.database.db, {
    retentionDays: config.MOBIUS_RETENTION_DAYS,
    intervalMs: config.MOBIUS_RETENTION_INTERVAL_MINUTES * 60_000,
    log: app.log,
  });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.MOBIUS_PORT;
  const host = config.MOBIUS_HOST.includes(':') ? `[${config.MOBIUS_HOST}]` : config.MOBIUS_HOST;
  // A wildcard listen address is reachable on loopback by the processes that read this file.
  const localHost = config.MOBIUS_HOST === '0.0.0.0' || config.MOBIUS_HOST === '::' ? '127.0.0.1' : host;
  app.devnet?.node.publishEndpoint(`http://${localHost}:${port}/rpc/devnet`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.MOBIUS_SHUTDOWN_TIMEOUT_MS);
      });
      // close() drops connections idle at that moment; a keep-alive connection whose request
      // finishes later would hold the server open until the deadline, so keep sweeping.
      const sweeper = setInterval(() => http.server.closeIdleConnections(), 50);
      const outcome = await Promise.race([http.close().then(() => 'closed' as const), deadline]);
      clearInterval(sweeper);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        app.log.warn({ timeoutMs: config.MOBIUS_SHUTDOWN_TIMEOUT_MS }, 'in-flight requests did not finish in time; closing connections');
        http.server.closeAllConnections();
      }
      await retention.stop();
      await app.close();
    })());
  return { app, http, url: `http://${host}:${port}`, stop };
}

const PRICE_SOURCE_NAMES = ['coingecko', 'dexscreener', 'binance', 'chainlink', 'pools'] as const;
type PriceSourceName = (typeof PRICE_SOURCE_NAMES)[number];

/** PRICE_SOURCES when set; else on-chain sources, plus market APIs when a real chain is served. */
export function enabledPriceSources(config: Config, chains: readonly ChainKey[]): PriceSourceName[] {
  if (config.PRICE_SOURCES !== undefined) {
    const words = config.PRICE_SOURCES.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
    for (const word of words) {
      if (!(PRICE_SOURCE_NAMES as readonly string[]).includes(word)) throw new ConfigError('PRICE_SOURCES', `names an unknown source "${word}"; known: ${PRICE_SOURCE_NAMES.join(', ')}`);
    }
    return [...new Set(words as PriceSourceName[])];
  }
  return chains.some((c) => c !== 'devnet') ? [...PRICE_SOURCE_NAMES] : ['chainlink', 'pools'];
}

async function createMarketServices(config: Config, chain: ChainServices, deps: { log: Logger; metrics: Metrics; health: HealthRegistry }): Promise<MarketServices> {
  const [{ CachedSource }, { PriceOracle }, { CandleService }, { ChainlinkSource, MAINNET_USD_FEEDS }, { DexPoolSource, MAINNET_POOL_VENUES }, { DevnetCandleSource }, { priceRequestFor }, { L1Cache }, { CoinGeckoSource }, { DexScreenerSource }, { BinanceSource }, { createDependencyPolicy }] = await Promise.all([
    import('./market/cached-source.js'),
    import('./market/oracle.js'),
    import('./market/history.js'),
    import('./market/sources/chainlink.js'),
    import('./market/sources/dex-pools.js'),
    import('./market/sources/devnet-candles.js'),
    import('./market/assets.js'),
    import('./infra/cache.js'),
    import('./market/sources/coingecko.js'),
    import('./market/sources/dexscreener.js'),
    import('./market/sources/binance.js'),
    import('./infra/resilience.js'),
  ]);
  const { access, tokens } = chain;
  const chains = access.chains();
  const names = enabledPriceSources(config, chains.map((c) => c.key));
  const deployment = chain.devnet?.deployment;
  const sources: PriceSource[] = [];
  const candleSources: CandleSource[] = [];
  // One policy per market API, shared by prices and history: one breaker sees all its failures.
  const apiPolicy = (name: string) => {
    const policy = createDependencyPolicy(
      { name, timeoutMs: Math.max(500, config.PRICE_DEADLINE_MS - 200), retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 400 }, breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 }, bulkhead: { limit: 8, queue: 64 } },
      { metrics: deps.metrics },
    );
    deps.health.register(policy.healthCheck);
    return policy;
  };
  let coingecko: InstanceType<typeof CoinGeckoSource> | undefined;
  if (names.includes('coingecko')) {
    coingecko = new CoinGeckoSource({ policy: apiPolicy('coingecko'), baseUrl: config.COINGECKO_BASE_URL, ...(config.COINGECKO_API_KEY ? { apiKey: config.COINGECKO_API_KEY } : {}) });
    sources.push(coingecko);
  }
  if (names.includes('binance')) {
    const binance = new BinanceSource({ policy: apiPolicy('binance'), baseUrl: config.BINANCE_BASE_URL });
    sources.push(binance);
    // Exchange klines first: real OHLCV, down to one minute.
    candleSources.push(binance);
  }
  if (coingecko) candleSources.push(coingecko);
  if (names.includes('dexscreener')) sources.push(new DexScreenerSource({ policy: apiPolicy('dexscreener'), baseUrl: config.DEXSCREENER_BASE_URL }));
  if (names.includes('chainlink')) {
    const devnetFeeds = (deployment?.feeds ?? []).map((f) => ({ chainId: deployment!.chainId, symbol: f.pair.split('/')[0]!, address: f.address }));
    sources.push(new ChainlinkSource({ access, feeds: [...devnetFeeds, ...MAINNET_USD_FEEDS], ...(deployment ? { devnetChainId: deployment.chainId } : {}) }));
  }
  if (names.includes('pools')) {
    const anchors = new Map<number, PoolAnchors>();
    for (const info of chains) {
      const list = tokens.list(info.id);
      const stables = list.filter((t) => t.address !== 'native' && ['USDC', 'USDT', 'DAI'].includes(t.symbol)).map((t) => ({ address: t.address as `0x${string}`, decimals: t.decimals }));
      const wrapped = info.wrappedNative.address;
      if (wrapped && stables.length > 0) anchors.set(info.id, { stables, wrapped: { address: wrapped, decimals: 18 } });
    }
    const devnetVenues = (deployment?.dexes ?? []).map((d) => ({ chainId: deployment!.chainId, name: d.name, kind: 'v2' as const, factory: d.factory }));
    sources.push(new DexPoolSource({ access, anchors, venues: [...devnetVenues, ...MAINNET_POOL_VENUES] }));
  }
  // Each source behind a cache sized to how often it changes; pools are read fresh every time.
  const sourceCache = new L1Cache<PriceQuote | null>({ name: 'price-sources', max: 20_000, defaultTtlMs: 5_000, metrics: deps.metrics.cacheRequests });
  const SOURCE_TTL_MS: Record<string, number> = { coingecko: 60_000, dexscreener: 30_000, binance: 5_000, chainlink: 15_000 };
  const oracle = new PriceOracle({
    sources: sources.map((s) => (SOURCE_TTL_MS[s.name] ? new CachedSource(s, sourceCache, Math.min(SOURCE_TTL_MS[s.name]!, s.maxAgeMs)) : s)),
    cache: new L1Cache({ name: 'prices', max: 10_000, defaultTtlMs: config.PRICE_CACHE_TTL_MS, metrics: deps.metrics.cacheRequests }),
    deadlineMs: config.PRICE_DEADLINE_MS,
    ttlMs: config.PRICE_CACHE_TTL_MS,
    log: deps.log,
  });
  if (deployment) candleSources.push(new DevnetCandleSource(access.client(deployment.chainId), deployment));
  const history = new CandleService({ sources: candleSources, cache: new L1Cache({ name: 'candles', max: 2_000, defaultTtlMs: 15_000, metrics: deps.metrics.cacheRequests }) });
  // Price questions prefer a real chain's copy of an asset over the devnet's.
  const preferred = chains.find((c) => !c.devnet) ?? chains[0];
  const request = (token: TokenRef, fiat: string) => priceRequestFor(token, access.chain(token.chainId), fiat, (t) => tokens.coingeckoId(t));
  return {
    oracle,
    history,
    request,
    defaultFiat: config.MOBIUS_FIAT,
    coingecko,
    async resolveAsset(words) {
      const found = await tokens.resolve(words, preferred ? { preferChainId: preferred.id } : {});
      if (found.kind !== 'ambiguous') return found;
      const symbols = new Set(found.candidates.map((t) => request(t, 'usd').marketSymbol));
      if (symbols.size === 1) return { kind: 'token', token: found.candidates.find((t) => t.chainId === preferred?.id) ?? found.candidates[0]! };
      return found;
    },
  };
}

/** A wallet's on-chain activity and the portfolio: loaded only when chains and prices are served. */
async function createAccountServices(chain: ChainServices, market: MarketServices, transactions: TransactionStore): Promise<{ activity: ActivityReader; portfolio: PortfolioService }> {
  const [{ ActivityReader }, { PortfolioService }] = await Promise.all([import('./wallets/activity.js'), import('./wallets/portfolio.js')]);
  return {
    activity: new ActivityReader(chain.access, chain.tokens),
    portfolio: new PortfolioService({
      access: chain.access,
      tokens: chain.tokens,
      balances: chain.balances,
      market,
      costBasis: (userId, ownAddresses) => transactions.costBasis(userId, { ownAddresses }),
    }),
  };
}

/** `mobius_marketMaker` on the devnet's RPC: status, pause, resume, or one step now. */
function marketMakerAdmin(devnet: Devnet): DevnetAdmin {
  return {
    async marketMaker(action) {
      const maker = devnet.marketMaker;
      if (action === 'pause') maker.pause();
      if (action === 'resume') maker.resume();
      const swap = action === 'step' ? await maker.step() : undefined;
      const { fair, steps } = maker.state();
      return { paused: maker.paused, intervalMs: maker.intervalMs, steps, fair, ...(swap ? { swap: { ...swap, amountIn: swap.amountIn.toString() } } : {}) };
    },
  };
}

/** The usual reasons a listen fails, as one line naming the setting to change. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${config.MOBIUS_HOST}:${config.MOBIUS_PORT}`;
  if (code === 'EADDRINUSE') return new ConfigError('MOBIUS_PORT', `${config.MOBIUS_PORT} is already in use on ${config.MOBIUS_HOST} (another Möbius running?)`);
  if (code === 'EACCES') return new ConfigError('MOBIUS_PORT', `${config.MOBIUS_PORT} needs privileges to listen on (${where}); use a port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new ConfigError('MOBIUS_HOST', `${config.MOBIUS_HOST} is not an address of this machine`);
  return err;
}
