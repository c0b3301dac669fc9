import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import type { CapabilityInvoker } from '../../capabilities/invoke.js';
import type { AppInfo } from '../../capabilities/services.js';
import { newRequestId } from '../../core/ids.js';
import type { CapabilityRegistry } from '../../core/registry.js';
import { toJson } from '../../core/json.js';
import type { Assistant } from '../../conversation/assistant.js';
import type { HealthRegistry } from '../../infra/health.js';
import type { Metrics } from '../../infra/metrics.js';
import { ipSubject, type RateLimiter } from '../../infra/ratelimit.js';
import { runWithRequestContext } from '../../infra/request-context.js';
import { UserError } from '../../core/errors.js';
import { authenticate, type ApiKeyVerifier, type Caller } from './auth.js';
import { sendError } from './errors.js';
import { registerCapabilityRoutes } from './routes/capabilities.js';
import { registerChatRoutes } from './routes/chat.js';
import { registerDevnetRpcRoute, type DevnetRpcDeps } from './routes/devnet-rpc.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerExperimentRoutes } from './routes/experiments.js';
import type { Experiments } from '../../conversation/llm/experiments.js';
import { isMcpUrl, registerMcpRoutes } from '../mcp/http.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface HttpDeps extends DevnetRpcDeps {
  loopbackOnly: boolean;
  bodyLimit: number;
  log: Logger;
  appInfo: AppInfo;
  assistant: Assistant;
  invoker: CapabilityInvoker;
  registry: CapabilityRegistry;
  apiKeys: ApiKeyVerifier;
  health: HealthRegistry;
  metrics: Metrics;
  /** Per-address limits and escalation at the door (per-user and per-capability limits sit behind it). */
  rateLimiter: Pick<RateLimiter, 'checkIp' | 'consumeIp' | 'recordViolation'>;
  /** Fastify's `trustProxy`: behind a reverse proxy, the client address comes from X-Forwarded-For. */
  trustProxy?: boolean | string;
  /** The LLM fallback's A/B experiment (`GET /v1/experiments`); unset without an LLM. */
  experiments?: Pick<Experiments, 'report'>;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
// Fastify types these as ajv's and fast-json-stringify's builders; ours keep the same call shape
// (factory → compiler → function) without either library.
const passThroughCompilers = {
  buildValidator: () => () => (data: unknown) => ({ value: data }),
  buildSerializer: () => () => (data: unknown) => toJson(data),
} as unknown as CompilersFactory;

/**
 * The HTTP front door: REST API, health, metrics, OpenAPI and its docs page.
 * Later front doors (WebSocket, web chat, MCP over HTTP) register on the same instance.
 */
export async function createHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    // Per-request lines would double the log volume at load; errors and refusals are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newRequestId();
    },
    return503OnClosing: true,
    trustProxy: deps.trustProxy ?? false,
    forceCloseConnections: 'idle',
    // zod validates at the door (see routes); route JSON Schemas only document. Responses go
    // through our serializer so bigints in capability data become strings. Given as factories,
    // Fastify never loads ajv and fast-json-stringify at all (several MiB of idle memory).
    schemaController: { compilersFactory: passThroughCompilers },
  });

  const internalErrors = deps.metrics.internalErrors.labels('http');
  // JSON only: a text/plain body is refused with 415 instead of being read as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply, () => internalErrors.inc()));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` } }),
  );

  // Callback-style hooks: on the hot path of every request, a promise per hook is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    // The API and MCP over HTTP are authenticated alike: an API key, or the local caller on loopback.
    if (!request.url.startsWith('/v1/') && !isMcpUrl(request.url)) return done();
    admitRequest(request, deps).then((caller) => {
      request.caller = caller;
      done();
    }, done);
  });
  // Every log line written while handling the request carries its id (AsyncLocalStorage).
  app.addHook('preHandler', (request, _reply, done) => {
    runWithRequestContext({ requestId: request.id }, done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequestDuration.labels(request.method, route, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Möbius API',
        version: deps.appInfo.version,
        description:
          'A self-hosted crypto assistant. Every capability is callable directly, or through plain-words chat. ' +
          'Errors are `{error: {code, message}}`. On a loopback-only server the API key is optional.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'mbx_… key from `mobius apikey create`' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  registerSystemRoutes(app, deps);
  registerExperimentRoutes(app, deps);
  registerChatRoutes(app, deps);
  registerCapabilityRoutes(app, deps);
  registerDevnetRpcRoute(app, deps);
  registerMcpRoutes(app, deps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/**
 * The API's door: a restricted address is refused before anything else (no key lookup); an invalid
 * key counts toward the address's escalation (guessing keys gets an address restricted); then one
 * point from the address's bucket, sized by the caller's tier.
 */
async function admitRequest(request: FastifyRequest, deps: HttpDeps): Promise<Caller> {
  const ip = request.ip;
  await deps.rateLimiter.checkIp(ip);
  let caller: Caller;
  try {
    caller = await authenticate(request, deps.apiKeys, deps.loopbackOnly);
  } catch (err) {
    if (err instanceof UserError && err.code === 'unauthorized' && request.headers.authorization !== undefined) {
      await deps.rateLimiter.recordViolation(ipSubject(ip), 'api_key');
    }
    throw err;
  }
  await deps.rateLimiter.consumeIp(ip, caller.tier);
  return caller;
}
