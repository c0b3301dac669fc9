/**
 * A local HTTP server that answers like a real third-party API: recorded fixture bodies from
 * test/fixtures/, or scripted misbehaviour (429 + Retry-After, 500, a slow or silent server,
 * malformed JSON). It records every request so tests can assert batching and headers.
 *
 * @example
 * const api = await startReplayServer([
 *   { path: '/simple/price', answer: [rateLimited(1), { fixture: 'coingecko/simple-price.json' }] },
 * ]);
 * // … point the client at api.url …
 * assert.equal(api.requests.length, 2);
 * await api.close();
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export interface RecordedRequest {
  method: string;
  path: string;
  /** Decoded query parameters (the last value wins for repeated names). */
  query: Record<string, string>;
  /** Lower-case header names, as Node gives them. */
  headers: IncomingHttpHeaders;
}

export interface ReplayResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is (say, malformed JSON); anything else is sent as JSON. */
  body?: unknown;
}

/** What a route answers. Every variant may first wait `delayMs` (a slow server). */
export type ReplayAnswer =
  /** A file under test/fixtures/, e.g. `coingecko/simple-price.json`, sent as JSON. */
  | { fixture: string; status?: number; headers?: Record<string, string>; delayMs?: number }
  /** An explicit response: status, headers, body. */
  | (ReplayResponse & { delayMs?: number })
  /** Accepts the request and never answers: a stuck upstream, for timeouts. */
  | { hang: true }
  /** Computed from the request. */
  | ((request: RecordedRequest) => ReplayResponse | Promise<ReplayResponse>);

export interface ReplayRoute {
  /** Default GET. */
  method?: string;
  /** Exact path, or a pattern tested against it. */
  path: string | RegExp;
  /** Each named parameter must equal the string or match the pattern; or a predicate on them all. */
  query?: Record<string, string | RegExp> | ((query: Record<string, string>) => boolean);
  /** One answer for every hit, or a script: hit n gets answer n, and the last one repeats. */
  answer: ReplayAnswer | readonly ReplayAnswer[];
}

export interface ReplayServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every request received, matched or not, in arrival order. */
  readonly requests: RecordedRequest[];
  /** The requests whose path equals `path` (or matches the pattern). */
  requestsTo(path: string | RegExp): RecordedRequest[];
  /** Replaces the routes and forgets the hit counts (recorded requests stay). */
  setRoutes(routes: readonly ReplayRoute[]): void;
  close(): Promise<void>;
}

/** 429 with Retry-After in seconds (as most APIs send it). */
export function rateLimited(retryAfterSeconds: number | string, body: unknown = { status: { error_code: 429, error_message: "You've exceeded the Rate Limit." } }): ReplayResponse {
  return { status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body };
}

export function serverError(status = 500, body: unknown = { error: 'Internal Server Error' }): ReplayResponse {
  return { status, body };
}

/** A 200 whose body is cut off mid-way, as a broken proxy or truncated transfer leaves it. */
export function malformedJson(): ReplayResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data":[{"symbol":"ETH","price":"34' };
}

/** Reads a fixture file as parsed JSON (for tests that derive expectations from it). */
export function readFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

function matches(route: ReplayRoute, request: RecordedRequest): boolean {
  if ((route.method ?? 'GET').toUpperCase() !== request.method) return false;
  if (typeof route.path === 'string' ? route.path !== request.path : !route.path.test(request.path)) return false;
  if (route.query === undefined) return true;
  if (typeof route.query === 'function') return route.query(request.query);
  return Object.entries(route.query).every(([name, want]) => {
    const got = request.query[name];
    return got !== undefined && (typeof want === 'string' ? got === want : want.test(got));
  });
}

async function respond(res: ServerResponse, answer: ReplayAnswer, request: RecordedRequest): Promise<void> {
  if (typeof answer === 'function') return send(res, await answer(request));
  if ('hang' in answer) return; // the socket stays open until the client gives up or close()
  if (answer.delayMs) await sleep(answer.delayMs);
  if ('fixture' in answer) {
    const body = readFileSync(new URL(answer.fixture, FIXTURES), 'utf8');
    return send(res, { status: answer.status ?? 200, headers: answer.headers ?? {}, body });
  }
  return send(res, answer);
}

function send(res: ServerResponse, response: ReplayResponse): void {
  if (res.destroyed) return; // the client timed out while we were "slow"
  const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  res.writeHead(response.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...response.headers });
  res.end(body);
}

/** Starts the server on 127.0.0.1 with an ephemeral port. Unmatched requests get a 404 JSON body. */
export async function startReplayServer(routes: readonly ReplayRoute[]): Promise<ReplayServer> {
  let table = [...routes];
  let hits = new Map<ReplayRoute, number>();
  const requests: RecordedRequest[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://replay.local');
    const request: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
    };
    requests.push(request);
    req.resume();
    const route = table.find((r) => matches(r, request));
    if (!route) {
      send(res, { status: 404, body: { error: `no replay route for ${request.method} ${request.path}` } });
      return;
    }
    const n = hits.get(route) ?? 0;
    hits.set(route, n + 1);
    const script = Array.isArray(route.answer) ? route.answer : [route.answer as ReplayAnswer];
    const answer = script[Math.min(n, script.length - 1)]!;
    respond(res, answer, request).catch((err: unknown) => {
      send(res, { status: 599, body: { error: `replay server failed: ${String(err)}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    requestsTo: (path) => requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path))),
    setRoutes(next) {
      table = [...next];
      hits = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
