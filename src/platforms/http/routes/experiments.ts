import type { FastifyInstance } from 'fastify';
import type { ExperimentReport } from '../../../conversation/llm/experiments.js';
import { requireAdmin } from '../auth.js';
import type { HttpDeps } from '../server.js';
import { errorResponses } from '../schemas.js';

const counts = {
  type: 'object',
  required: ['answered', 'tool_error', 'provider_failure', 'confirmed'],
  properties: {
    answered: { type: 'integer', description: 'Turns the model answered with every tool call going through' },
    tool_error: { type: 'integer', description: 'Turns answered after a tool call was refused or failed' },
    provider_failure: { type: 'integer', description: 'Turns no provider answered' },
    confirmed: { type: 'integer', description: 'Writes the model proposed that the person then confirmed' },
  },
};

const ExperimentJson = {
  type: 'object',
  required: ['name', 'sharePercent', 'since', 'variants'],
  properties: {
    name: { type: 'string' },
    sharePercent: { type: 'number', description: 'Percent of users in variant B' },
    since: { type: 'string', format: 'date-time', description: "Counts are this instance's since then; Prometheus has them across instances" },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'models', 'prompt', 'turns', 'outcomes'],
        properties: {
          name: { enum: ['a', 'b'] },
          models: { type: 'array', items: { type: 'string' } },
          prompt: { enum: ['built-in', 'custom'] },
          turns: { type: 'integer' },
          outcomes: counts,
        },
      },
    },
  },
};

/** `GET /v1/experiments` (admin): the LLM fallback's A/B experiment and its outcome counts per variant. */
export function registerExperimentRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get(
    '/v1/experiments',
    {
      schema: {
        summary: "The LLM fallback's A/B experiments with outcomes per variant (admin). Empty without an LLM.",
        tags: ['operations'],
        response: {
          200: { type: 'object', required: ['experiments'], properties: { experiments: { type: 'array', items: ExperimentJson } } },
          ...errorResponses(401, 403, 429),
        },
      },
    },
    async (request): Promise<{ experiments: ExperimentReport[] }> => {
      requireAdmin(request.caller!, deps.loopbackOnly);
      return { experiments: deps.experiments ? [deps.experiments.report()] : [] };
    },
  );
}
