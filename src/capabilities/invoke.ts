import type { Counter, Histogram } from 'prom-client';
import type { AnyCapability, CapabilityContext, CapabilityResult, CapabilityServices, InvocationSource, Logger } from '../core/capability.js';
import { MobiusError, UserError } from '../core/errors.js';
import type { Principal } from '../core/identity.js';
import { compose, type Middleware } from '../core/middleware.js';
import type { ProgressBlock } from '../core/reply.js';
import type { CapabilityRegistry } from '../core/registry.js';
import { formatUserRef } from '../core/identity.js';
import { validateInput } from './validate.js';

/** For calls that cannot be cancelled: one shared signal rather than a controller per call. */
const NEVER_ABORTED = new AbortController().signal;

/** One request to run a capability, from any front door. `input` is raw: it is validated here. */
export interface InvokeRequest {
  name: string;
  input: unknown;
  principal: Principal;
  source: InvocationSource;
  requestId: string;
  chat?: { kind: 'private' | 'group'; id: string };
  signal?: AbortSignal;
  onProgress?: (update: ProgressBlock) => void;
  /** Set only by the confirmation flow, after the person said yes to this write. */
  confirmed?: boolean;
}

export interface Invocation {
  request: InvokeRequest;
  capability: AnyCapability;
  /** The validated input (set by the validation step). */
  input: unknown;
  ctx: CapabilityContext;
  result?: CapabilityResult;
}

export type InvocationMiddleware = Middleware<Invocation>;

/** What the invoker needs of the rate limiter, the audit log and metrics — nothing more. */
export interface InvokerDeps {
  registry: CapabilityRegistry;
  services: CapabilityServices;
  log: Logger & { child(bindings: Record<string, unknown>): Logger };
  rateLimiter: { consumeCapability(userKey: string, tier: Principal['tier'], capability: string, cost: number): Promise<void> };
  audit: { append(entry: { actor: string; action: string; subject?: string; data?: Record<string, unknown> }): Promise<unknown> };
  metrics: {
    capabilityDuration: Histogram<'capability' | 'outcome'>;
    capabilityErrors: Counter<'capability' | 'code'>;
  };
}

/**
 * Runs capabilities through one pipeline for every front door (chat, HTTP, MCP, LLM tools):
 * metrics → rate limit → authorization → validation → [extra] → audit (writes) → write guard → run. The audit sits outside the
 * guard so a refused write — an LLM or API call trying to act alone — is on the record too.
 */
export class CapabilityInvoker {
  readonly #deps: InvokerDeps;
  /** One child logger per capability, made once: creating pino children per call is not free. */
  readonly #loggers = new Map<string, Logger>();
  readonly #pipeline: (inv: Invocation, last: () => Promise<void>) => Promise<void>;

  /** `extra` middleware runs after the built-in steps, just before `run` (e.g. the confirmation flow). */
  constructor(deps: InvokerDeps, extra: readonly InvocationMiddleware[] = []) {
    this.#deps = deps;
    this.#pipeline = compose<Invocation>([
      this.#measure,
      this.#rateLimit,
      this.#authorize,
      this.#validate,
      ...extra,
      this.#audit,
      this.#guardWrites,
    ]);
  }

  async invoke(request: InvokeRequest): Promise<CapabilityResult> {
    const capability = this.#deps.registry.get(request.name);
    const invocation: Invocation = {
      request,
      capability,
      input: undefined,
      ctx: {
        principal: request.principal,
        requestId: request.requestId,
        source: request.source,
        chat: request.chat,
        log: this.#loggerFor(capability.name),
        signal: request.signal ?? NEVER_ABORTED,
        services: this.#deps.services,
        progress: (update) => request.onProgress?.({ type: 'progress', ...update }),
      },
    };
    await this.#pipeline(invocation, async () => {
      invocation.result = await capability.run(invocation.ctx, invocation.input);
    });
    if (!invocation.result) throw new Error(`capability ${capability.name} produced no result`);
    return invocation.result;
  }

  #loggerFor(name: string): Logger {
    let log = this.#loggers.get(name);
    if (!log) {
      log = this.#deps.log.child({ capability: name });
      this.#loggers.set(name, log);
    }
    return log;
  }

  readonly #measure: InvocationMiddleware = async (inv, next) => {
    const started = performance.now();
    const name = inv.capability.name;
    let outcome = 'ok';
    try {
      await next();
    } catch (err) {
      const code = err instanceof MobiusError ? err.code : 'internal';
      outcome = err instanceof UserError ? 'user_error' : 'error';
      this.#deps.metrics.capabilityErrors.labels(name, code).inc();
      throw err;
    } finally {
      this.#deps.metrics.capabilityDuration.labels(name, outcome).observe((performance.now() - started) / 1000);
    }
  };

  readonly #rateLimit: InvocationMiddleware = (inv, next) => {
    const { principal } = inv.request;
    return this.#deps.rateLimiter
      .consumeCapability(principal.userId, principal.tier, inv.capability.name, inv.capability.cost ?? 1)
      .then(next);
  };

  /** API-key scopes, the admin tier for admin capabilities, and private-chat-only capabilities. */
  readonly #authorize: InvocationMiddleware = (inv, next) => {
    const { principal, chat } = inv.request;
    const { name, scope = 'market', privateOnly } = inv.capability;
    if (principal.scopes && !principal.scopes.includes(scope)) {
      throw new UserError('forbidden', `This API key may not call ${name}: it needs the "${scope}" scope.`, { details: { scope, capability: name } });
    }
    if (scope === 'admin' && principal.tier !== 'admin') {
      throw new UserError('forbidden', `${name} is for administrators only.`);
    }
    // Wallets and trades are nobody else's business: in a group, even a list or a portfolio would
    // show everyone the person's addresses and holdings.
    if ((privateOnly || scope === 'wallet' || scope === 'trade') && chat?.kind === 'group') {
      throw new UserError('forbidden', "Let's do that in a private chat with me, not in a group: it involves your wallet.", { details: { privateOnly: true } });
    }
    return next();
  };

  readonly #validate: InvocationMiddleware = (inv, next) => {
    inv.input = validateInput(inv.capability.input, inv.request.input);
    return next();
  };

  // A write reaches `run` only through the confirmation flow. Until a front door offers that
  // flow for a capability, refusing is the safe answer: an LLM or an API call can never act alone.
  readonly #guardWrites: InvocationMiddleware = (inv, next) => {
    if (inv.capability.effect === 'write' && !inv.request.confirmed) {
      throw new UserError('forbidden', `${inv.capability.name} changes something, so it needs your confirmation first.`);
    }
    return next();
  };

  readonly #audit: InvocationMiddleware = (inv, next) => (inv.capability.effect === 'write' ? this.#auditWrite(inv, next) : next());

  async #auditWrite(inv: Invocation, next: () => Promise<void>): Promise<void> {
    const actor = formatUserRef(inv.request.principal.ref);
    let outcome: 'ok' | 'failed' | 'refused' = 'failed';
    try {
      await next();
      outcome = 'ok';
    } catch (err) {
      if (err instanceof UserError && err.code === 'forbidden') outcome = 'refused';
      throw err;
    } finally {
      await this.#deps.audit.append({
        actor,
        action: `capability.${inv.capability.name}`,
        subject: inv.request.principal.userId,
        data: { source: inv.request.source, requestId: inv.request.requestId, outcome, input: inv.input },
      });
    }
  }
}
