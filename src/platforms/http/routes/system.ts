import type { FastifyInstance } from 'fastify';
import { authenticate, requireAdmin } from '../auth.js';
import type { HttpDeps } from '../server.js';
import { errorResponses } from '../schemas.js';

/** Liveness, readiness and Prometheus metrics. */
export function registerSystemRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process is up and serving',
        tags: ['operations'],
        security: [],
        response: {
          200: {
            type: 'object',
            properties: { status: { const: 'ok' }, version: { type: 'string' }, uptimeSeconds: { type: 'integer' } },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      version: deps.appInfo.version,
      uptimeSeconds: Math.floor((Date.now() - deps.appInfo.startedAt.getTime()) / 1000),
    }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: per-dependency status; 503 when a required dependency is down',
        tags: ['operations'],
        security: [],
        response: {
          200: { description: 'Ready', type: 'object', additionalProperties: true },
          503: { description: 'Not ready', type: 'object', additionalProperties: true },
        },
      },
    },
    async (_request, reply) => {
      const report = await deps.health.run();
      return reply.code(report.status === 'ready' ? 200 : 503).send(report);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text format). Off loopback, needs an admin API key.',
        tags: ['operations'],
        response: { 200: { description: 'Prometheus text exposition format', type: 'string' }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      requireAdmin(await authenticate(request, deps.apiKeys, deps.loopbackOnly), deps.loopbackOnly);
      const body = await deps.metrics.registry.metrics();
      // Bypass the JSON serializer: this is plain text.
      return reply.type(deps.metrics.registry.contentType).serializer((s: string) => s).send(body);
    },
  );
}
