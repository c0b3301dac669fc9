import type { z } from 'zod';
import type { Principal } from './identity.js';
import type { ProgressBlock, Reply } from './reply.js';

/**
 * The services a capability can reach through `ctx.services`. Empty here on purpose: each layer
 * that provides a service adds it by declaration merging in `src/capabilities/services.ts`, so core
 * never imports a higher layer and every capability still sees one typed object.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CapabilityServices {}

/** The logging surface capabilities use (pino's Logger satisfies it). */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Where an invocation came from: the built-in parser, the LLM, an MCP client, or the HTTP API. */
export type InvocationSource = 'builtin' | 'llm' | 'mcp' | 'api' | 'cli';

/** Everything `run` needs, built fresh for each message or API call. */
export interface CapabilityContext {
  principal: Principal;
  requestId: string;
  source: InvocationSource;
  chat: { kind: 'private' | 'group'; id: string } | undefined;
  log: Logger;
  signal: AbortSignal;
  services: CapabilityServices;
  /** Reports progress on long work; platforms that can (web, WebSocket, Telegram edits) show it. */
  progress(update: Omit<ProgressBlock, 'type'>): void;
}

export interface CapabilityResult<D = unknown> {
  /** JSON for APIs and the LLM. Bigints are written as decimal strings on the way out. */
  data: D;
  /** What a person reads. */
  reply: Reply;
}

export type Effect = 'read' | 'write';

/**
 * What an API key must be allowed to do to call a capability. Chat platforms hold every scope but
 * `admin`; `admin` also needs the admin tier.
 */
export const capabilityScopes = ['market', 'wallet', 'trade', 'admin'] as const;
export type CapabilityScope = (typeof capabilityScopes)[number];

export interface Capability<I extends z.ZodType = z.ZodType, D = unknown> {
  /** Verb-first snake_case (`get_price`), the convention of LLM tools and MCP. */
  name: string;
  /** For a person and an LLM alike: what it does, in one or two sentences. */
  summary: string;
  input: I;
  /** Phrasings a person would use; the parser learns from them and help shows them. */
  examples: string[];
  /** `write` never acts directly: it creates a pending action the person confirms. */
  effect: Effect;
  /** Rate-limit points one call costs (default 1); expensive work costs more. */
  cost?: number;
  /** The scope an API key needs to call it (default `market`). */
  scope?: CapabilityScope;
  /** Answered only in a private chat (never in a group): it shows or uses someone's keys or money. */
  privateOnly?: boolean;
  /**
   * Required for a `write`: checks that the action can happen now and says exactly what will happen,
   * for the person to confirm ("Delete wallet **Main** (0xAb…12)?"). Throws a UserError when it cannot.
   * It may also answer the input to store for the yes, with references resolved to exactly what the
   * summary names (a wallet's id rather than "wallet 2" or "savings"), so a rename or a new active
   * wallet in between cannot make the yes act on something else.
   */
  describe?(ctx: CapabilityContext, input: z.output<I>): Promise<string | { summary: string; input: z.output<I> }>;
  run(ctx: CapabilityContext, input: z.output<I>): Promise<CapabilityResult<D>>;
}

export type AnyCapability = Capability<z.ZodType, unknown>;

const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Declares a capability once; every front door (parser, LLM tools, MCP, HTTP) uses this object.
 *
 * @example defineCapability({ name: 'get_status', summary: '…', input: z.object({}), examples: ['status'], effect: 'read', run })
 */
export function defineCapability<I extends z.ZodType, D>(definition: Capability<I, D>): Capability<I, D> {
  if (!NAME.test(definition.name)) {
    throw new TypeError(`capability name "${definition.name}" must be snake_case, starting with a verb`);
  }
  if (definition.summary.trim().length < 10) {
    throw new TypeError(`capability ${definition.name} needs a summary a person can understand`);
  }
  if (definition.examples.length === 0) {
    throw new TypeError(`capability ${definition.name} needs at least one example phrasing`);
  }
  if (definition.effect === 'write' && !definition.describe) {
    throw new TypeError(`capability ${definition.name} is a write, so it needs describe() to tell the person what they confirm`);
  }
  if (definition.cost !== undefined && !(Number.isInteger(definition.cost) && definition.cost >= 1)) {
    throw new TypeError(`capability ${definition.name}: cost must be a positive integer`);
  }
  return Object.freeze({ ...definition, examples: Object.freeze([...definition.examples]) as string[] });
}
