import type { CapabilityContext, CapabilityResult } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { formatUserRef } from '../core/identity.js';
import { formatDuration } from '../market/format.js';
import type { Reply } from '../core/reply.js';
import { isSecretKey } from '../infra/log.js';
import type { CapabilityInvoker, InvocationMiddleware } from './invoke.js';
import type { PendingAction, PendingActionStore } from './pending-actions.js';

export interface ConfirmationDeps {
  store: PendingActionStore;
  audit: { append(entry: { actor: string; action: string; subject?: string; data?: Record<string, unknown> }): Promise<unknown> };
}

/** What a write answers before it runs: the pending action the person is asked to confirm. */
export interface PendingData {
  pending: { id: string; capability: string; summary: string; expiresAt: string };
  /** The still-live action this one replaced, if any. */
  replaced?: { id: string; capability: string; summary: string };
}

/**
 * The confirmation flow for every write capability (wallet export and deletion now; swaps and
 * transfers later), from every front door: chat, HTTP, MCP and the LLM's tools.
 *
 * A write called without `confirmed` does not run. Its `describe()` checks it can happen and says
 * what will, the action is stored as the user's one pending action, and the answer asks for a yes.
 * `confirm` (a "yes", a button, or `POST /v1/capabilities/confirm`) takes the action and runs it
 * through the invoker again with `confirmed`, so it is rate-limited, authorized, validated and
 * audited like any call — with the chat and source of the confirmation, not of the request.
 *
 * An answer counts only in the chat where the question was asked: a stray "ok" in a group, or in
 * another platform's chat of a linked account, neither runs nor uses up an action waiting elsewhere.
 */
export class Confirmations {
  readonly #deps: ConfirmationDeps;
  #invoker: CapabilityInvoker | undefined;

  constructor(deps: ConfirmationDeps) {
    this.#deps = deps;
  }

  /** The invoker is built with this flow inside it, so it arrives afterwards. */
  attach(invoker: CapabilityInvoker): void {
    this.#invoker = invoker;
  }

  get ttlMs(): number {
    return this.#deps.store.ttlMs;
  }

  /** The invoker step that turns an unconfirmed write into a pending action. */
  readonly step: InvocationMiddleware = async (inv, next) => {
    if (inv.capability.effect !== 'write' || inv.request.confirmed) return next();
    const { capability, ctx } = inv;
    if (!capability.describe) throw new Error(`write capability ${capability.name} has no describe()`);
    assertNoSecrets(capability.name, inv.input);
    const described = await capability.describe(ctx, inv.input);
    // What the person confirms is what runs: the input as describe() pinned it, when it did.
    const { summary, input } = typeof described === 'string' ? { summary: described, input: inv.input } : described;
    assertNoSecrets(capability.name, input);
    const actor = formatUserRef(ctx.principal.ref);
    const { action, replaced } = await this.#deps.store.put({
      userId: ctx.principal.userId,
      actor,
      capability: capability.name,
      input,
      summary,
      source: ctx.source,
      chat: ctx.chat,
    });
    await this.#deps.audit.append({
      actor,
      action: 'pending.created',
      subject: ctx.principal.userId,
      data: { pendingId: action.id, capability: capability.name, source: ctx.source, requestId: ctx.requestId, ...(replaced ? { replaced: replaced.id } : {}) },
    });
    const data: PendingData = {
      pending: { id: action.id, capability: action.capability, summary, expiresAt: action.expiresAt.toISOString() },
      ...(replaced ? { replaced: { id: replaced.id, capability: replaced.capability, summary: replaced.summary } } : {}),
    };
    inv.result = { data, reply: this.#askReply(action, replaced) };
  };

  /** Runs the person's pending action (the one named `id`, when given). */
  async confirm(ctx: CapabilityContext, id: string | undefined): Promise<CapabilityResult> {
    if (ctx.source === 'llm') {
      // The model may propose a write, never approve one: the yes must come from the person.
      throw new UserError('forbidden', 'Only you can confirm this: reply "yes" yourself, or press Confirm.');
    }
    if (id === undefined && (ctx.source === 'api' || ctx.source === 'mcp')) {
      throw new UserError('bad_input', 'Name the pending action to confirm: {"id": "pa_…"} from the answer that asked for confirmation.');
    }
    const taken = await this.#deps.store.take(ctx.principal.userId, id, ctx.chat?.id);
    if (taken.state === 'none') throw nothingPending(id);
    const { action } = taken;
    const actor = formatUserRef(ctx.principal.ref);
    if (taken.state === 'expired') {
      await this.#audit(actor, 'pending.expired', action, ctx);
      throw new UserError('pending_expired', `That request expired after ${formatDuration(this.ttlMs)}, so nothing was done: ${action.summary} Ask again if you still want it.`, {
        details: { id: action.id, capability: action.capability },
      });
    }
    if (!this.#invoker) throw new Error('the confirmation flow has no invoker attached');
    const result = await this.#invoker.invoke({
      name: action.capability,
      input: action.input,
      principal: ctx.principal,
      source: ctx.source,
      requestId: ctx.requestId,
      ...(ctx.chat ? { chat: ctx.chat } : {}),
      signal: ctx.signal,
      confirmed: true,
    });
    return { data: { confirmed: { id: action.id, capability: action.capability }, result: result.data }, reply: result.reply };
  }

  /** Drops the person's pending action. */
  async cancel(ctx: CapabilityContext, id: string | undefined): Promise<CapabilityResult> {
    const taken = await this.#deps.store.take(ctx.principal.userId, id, ctx.chat?.id);
    if (taken.state === 'none') throw nothingPending(id);
    const { action } = taken;
    await this.#audit(formatUserRef(ctx.principal.ref), 'pending.cancelled', action, ctx);
    const text = taken.state === 'expired' ? `That request had already expired; nothing was done.` : `Cancelled — nothing was done. (${action.summary})`;
    return { data: { cancelled: { id: action.id, capability: action.capability } }, reply: { blocks: [{ type: 'text', text }] } };
  }

  #audit(actor: string, what: string, action: PendingAction, ctx: CapabilityContext): Promise<unknown> {
    return this.#deps.audit.append({ actor, action: what, subject: action.userId, data: { pendingId: action.id, capability: action.capability, source: ctx.source, requestId: ctx.requestId } });
  }

  #askReply(action: PendingAction, replaced: PendingAction | undefined): Reply {
    const blocks: Reply['blocks'] = [{ type: 'text', text: `**Please confirm:** ${action.summary}` }];
    if (replaced) blocks.push({ type: 'text', text: `This replaces your earlier request, which will not happen: ${replaced.summary}` });
    blocks.push({ type: 'text', text: `Say **yes** to go ahead or **no** to cancel. This expires in ${formatDuration(this.ttlMs)}.` });
    return {
      blocks,
      buttons: [
        [
          { label: '✅ Confirm', action: 'confirm', value: action.id },
          { label: '✖️ Cancel', action: 'cancel', value: action.id },
        ],
      ],
    };
  }
}

function nothingPending(id: string | undefined): UserError {
  return id === undefined
    ? new UserError('not_found', 'Nothing is waiting for your confirmation in this chat.')
    : new UserError('not_found', 'That request is no longer waiting here: it was already answered, replaced by a newer one, or it expired — or it was asked in another chat.', { details: { id } });
}

/** A pending action's input is stored in the database as is, so a write must never carry a secret. */
function assertNoSecrets(capability: string, input: unknown): void {
  if (input === null || typeof input !== 'object') return;
  for (const [key, value] of Object.entries(input)) {
    if (isSecretKey(key)) throw new Error(`write capability ${capability} has a secret input field "${key}"; a pending action would store it`);
    assertNoSecrets(capability, value);
  }
}
