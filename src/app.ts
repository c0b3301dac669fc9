import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { capabilities } from './capabilities/index.js';
import { CapabilityInvoker } from './capabilities/invoke.js';
import type { AppInfo } from './capabilities/services.js';
import { ConfigError, type Config } from './config.js';
import { CapabilityRegistry } from './core/registry.js';
import { Assistant } from './conversation/assistant.js';
import { IntentParser } from './conversation/parser.js';
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
import { PreferenceStore } from './wallets/preferences.js';

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
  assistant: Assistant;
  identities: IdentityStore;
  preferences: PreferenceStore;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  rateLimiter: RateLimiter;
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
  try {
    if (options.migrate !== false) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length > 0) log.info({ applied }, 'database migrated');
    }
    health.register(database.healthCheck);

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
    const rateLimiter = createRateLimiter({
      tiers: { free: config.MOBIUS_RATE_LIMIT_FREE, pro: config.MOBIUS_RATE_LIMIT_PRO, admin: config.MOBIUS_RATE_LIMIT_ADMIN },
      metrics,
    });

    const registry = new CapabilityRegistry(capabilities);
    const invoker = new CapabilityInvoker({
      registry,
      services: { registry, health, appInfo: info },
      log,
      rateLimiter,
      audit,
      metrics,
    });
    const assistant = new Assistant({
      parser: new IntentParser(registry),
      invoker,
      identities,
      rateLimiter,
      metrics,
      log,
      maxMessageChars: config.MOBIUS_MAX_MESSAGE_CHARS,
    });

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
      assistant,
      identities,
      preferences,
      apiKeys,
      audit,
      rateLimiter,
      close: () =>
        (closed ??= (async () => {
          await apiKeys.flush(); // pending last_used_at writes, before the database goes
          await database.close();
        })()),
    };
  } catch (err) {
    await database.close();
    throw err;
  }
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
    });
    await http.listen({ host: config.MOBIUS_HOST, port: config.MOBIUS_PORT });
  } catch (err) {
    await app.close();
    throw listenError(err, config);
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.MOBIUS_PORT;
  const host = config.MOBIUS_HOST.includes(':') ? `[${config.MOBIUS_HOST}]` : config.MOBIUS_HOST;

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
      await app.close();
    })());
  return { app, http, url: `http://${host}:${port}`, stop };
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
