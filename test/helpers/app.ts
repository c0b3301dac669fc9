import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, startServer, type App, type RunningServer } from '../../src/app.js';
import { Confirmations } from '../../src/capabilities/confirmation.js';
import { CapabilityInvoker } from '../../src/capabilities/invoke.js';
import { PendingActionStore } from '../../src/capabilities/pending-actions.js';
import type { AnyCapability } from '../../src/core/capability.js';
import { CapabilityRegistry } from '../../src/core/registry.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/infra/log.js';
import { admin } from './databases.js';

export type DialectName = 'sqlite' | 'postgres';

/** The dialects an app-level test runs against: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const dialects: Array<{ name: DialectName; skip: string | false }> = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set: PostgreSQL cases skipped' },
];

/** Log lines an app wrote, parsed, for assertions about what reached the logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

interface Isolated {
  config: Config;
  cleanUp(): Promise<void>;
}

/** A config on a fresh data directory and (for PostgreSQL) a fresh schema, listening on a free port. */
async function isolatedConfig(dialect: DialectName, env: Record<string, string> = {}): Promise<Isolated> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-test-'));
  let schema: PostgresSchema | undefined;
  const base: Record<string, string> = { MOBIUS_PORT: '0', MOBIUS_DATA_DIR: dir, LOG_LEVEL: 'info', ...env };
  const url = process.env.DATABASE_URL;
  if (dialect === 'postgres') {
    if (!url) throw new Error('DATABASE_URL not set');
    schema = await createPostgresSchema(url);
    base.DATABASE_URL = schema.url;
    // Scaled mode never generates a master key: every instance must share one.
    base.ENCRYPTION_KEY ??= randomBytes(32).toString('hex');
  }
  return {
    config: loadConfig(base),
    async cleanUp() {
      rmSync(dir, { recursive: true, force: true });
      await schema?.drop();
    },
  };
}

export interface PostgresSchema {
  name: string;
  /** The database URL with this schema first on the search path: what DATABASE_URL should be. */
  url: string;
  drop(): Promise<void>;
}

/** A new, empty schema in the database at `baseUrl`, for an app (or a CLI process) of its own. */
export async function createPostgresSchema(baseUrl: string): Promise<PostgresSchema> {
  const name = `app_${process.pid}_${randomBytes(5).toString('hex')}`;
  await admin(baseUrl, `create schema ${name}`);
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return { name, url: u.toString(), drop: () => admin(baseUrl, `drop schema if exists ${name} cascade`) };
}

export interface TestServer extends RunningServer {
  logs: LogCapture;
  /** Stops the server and removes its data. */
  dispose(): Promise<void>;
}

/** The real server on a random loopback port (or the host given in env), on a fresh database. */
export async function startTestServer(dialect: DialectName, env: Record<string, string> = {}, options: { logLevel?: string } = {}): Promise<TestServer> {
  const isolated = await isolatedConfig(dialect, env);
  const logs = new LogCapture();
  // Default process metrics on, as in production: /metrics must pass promtool with them.
  const server = await startServer(isolated.config, { log: createLogger({ level: options.logLevel ?? 'info', destination: logs }) });
  const url = server.url.replace('0.0.0.0', '127.0.0.1');
  return {
    ...server,
    url,
    logs,
    async dispose() {
      await server.stop();
      await isolated.cleanUp();
    },
  };
}

export interface TestApp {
  app: App;
  logs: LogCapture;
  dispose(): Promise<void>;
}

/** The app without front doors, on a fresh database. */
export async function createTestApp(dialect: DialectName, env: Record<string, string> = {}): Promise<TestApp> {
  const isolated = await isolatedConfig(dialect, env);
  const logs = new LogCapture();
  const app = await createApp(isolated.config, { log: createLogger({ level: 'debug', destination: logs }), defaultMetrics: false });
  return {
    app,
    logs,
    async dispose() {
      await app.close();
      await isolated.cleanUp();
    },
  };
}

/** Rows in one table of an app's database: to prove that a refused request wrote nothing. */
export async function countRows(app: App, table: 'users' | 'identities' | 'audit_log' | 'api_keys'): Promise<number> {
  const row = await app.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** JSON request helper: returns status, headers and parsed body (text when not JSON). */
export async function request(
  base: string,
  method: string,
  urlPath: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + urlPath, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/**
 * The app's own stores, limiter, audit log and metrics behind an invoker (with the confirmation
 * flow) that also knows `extra` capabilities written for a test. `now` drives pending-action expiry.
 */
export function invokerWith(app: App, extra: readonly AnyCapability[], options: { now?: () => Date } = {}): { registry: CapabilityRegistry; invoker: CapabilityInvoker; store: PendingActionStore } {
  const registry = new CapabilityRegistry([...app.registry.list(), ...extra]);
  const store = new PendingActionStore(app.database.db, options.now ? { now: options.now } : {});
  const confirmations = new Confirmations({ store, audit: app.audit });
  const invoker = new CapabilityInvoker(
    {
      registry,
      services: { registry, health: app.health, appInfo: app.info, chain: app.chain, market: app.market, confirmations },
      log: app.log,
      rateLimiter: app.rateLimiter,
      audit: app.audit,
      metrics: app.metrics,
    },
    [confirmations.step],
  );
  confirmations.attach(invoker);
  return { registry, invoker, store };
}
