import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { InvocationMiddleware } from '../../capabilities/invoke.js';

export type Variant = 'a' | 'b';

/**
 * What became of one LLM turn: `answered` cleanly, answered after a `tool_error` (a refused or
 * failed tool call), or no answer because every provider failed (`provider_failure`). `confirmed`
 * counts, later, the person saying yes to a write the model proposed.
 */
export const outcomes = ['answered', 'tool_error', 'provider_failure', 'confirmed'] as const;
export type Outcome = (typeof outcomes)[number];

/**
 * The variant of a user: consistent hashing of the experiment's name and the (internal, stable)
 * user id, so a person keeps their variant across messages, platforms and restarts, and renaming
 * the experiment reshuffles everyone.
 *
 * @example variantFor('llm-b', 0.1, 'usr_…') // 'a' for about 90% of users
 */
export function variantFor(experiment: string, share: number, userId: string): Variant {
  if (share <= 0) return 'a';
  if (share >= 1) return 'b';
  const bucket = createHash('sha256').update(`${experiment}\0${userId}`).digest().readUInt32BE(0) / 2 ** 32;
  return bucket < share ? 'b' : 'a';
}

/** What a variant runs, for the report (model names, never endpoints' keys). */
export interface VariantDescription {
  models: string[];
  /** Whether its system prompt adds configured instructions. */
  prompt: 'built-in' | 'custom';
}

export interface ExperimentReport {
  name: string;
  /** Percent of users in variant B. */
  sharePercent: number;
  /** Counts are this instance's since this time (Prometheus has them across instances). */
  since: string;
  variants: Array<{ name: Variant; turns: number; outcomes: Record<Outcome, number> } & VariantDescription>;
}

export interface ExperimentsOptions {
  name: string;
  /** 0..1 */
  share: number;
  variants: Record<Variant, VariantDescription>;
  metric?: Counter<'experiment' | 'variant' | 'outcome'>;
  /** How long a proposed write may still be confirmed (the pending actions' lifetime). */
  pendingTtlMs?: number;
  now?: () => number;
}

const MAX_TRACKED_PENDING = 10_000;

/** The A/B experiment of the LLM fallback: who gets which variant, and what came of their turns. */
export class Experiments {
  readonly #options: ExperimentsOptions;
  readonly #since = new Date();
  readonly #counts: Record<Variant, Record<Outcome, number>> = { a: zeroCounts(), b: zeroCounts() };
  /** Pending actions the model proposed: id → variant and when the proposal lapses. */
  readonly #proposed = new Map<string, { variant: Variant; until: number }>();
  readonly #now: () => number;

  constructor(options: ExperimentsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  variantOf(userId: string): Variant {
    return variantFor(this.#options.name, this.#options.share, userId);
  }

  record(variant: Variant, outcome: Outcome): void {
    this.#counts[variant][outcome] += 1;
    this.#options.metric?.labels(this.#options.name, variant, outcome).inc();
  }

  /** Remembers a pending action the model proposed, so the person's later yes counts for its variant. */
  noteProposed(pendingId: string, variant: Variant): void {
    if (this.#proposed.size >= MAX_TRACKED_PENDING) this.#proposed.delete(this.#proposed.keys().next().value!);
    this.#proposed.set(pendingId, { variant, until: this.#now() + (this.#options.pendingTtlMs ?? 5 * 60_000) });
  }

  /**
   * An invoker step: when `confirm` runs a pending action the model proposed, counts `confirmed`
   * for the proposing variant. Per instance: a yes that reaches another instance is not counted.
   */
  readonly watchConfirmations: InvocationMiddleware = async (inv, next) => {
    await next();
    if (inv.capability.name !== 'confirm') return;
    const id = (inv.result?.data as { confirmed?: { id?: unknown } } | undefined)?.confirmed?.id;
    const proposed = typeof id === 'string' ? this.#proposed.get(id) : undefined;
    if (!proposed) return;
    this.#proposed.delete(id as string);
    if (proposed.until >= this.#now()) this.record(proposed.variant, 'confirmed');
  };

  report(): ExperimentReport {
    const { name, share, variants } = this.#options;
    return {
      name,
      sharePercent: Math.round(share * 10_000) / 100,
      since: this.#since.toISOString(),
      variants: (['a', 'b'] as const).map((v) => {
        const counts = { ...this.#counts[v] };
        return { name: v, ...variants[v], turns: counts.answered + counts.tool_error + counts.provider_failure, outcomes: counts };
      }),
    };
  }
}

function zeroCounts(): Record<Outcome, number> {
  return { answered: 0, tool_error: 0, provider_failure: 0, confirmed: 0 };
}
