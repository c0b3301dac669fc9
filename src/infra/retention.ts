import type { Kysely } from 'kysely';
import type { Logger } from '../core/capability.js';
import type { Database } from './db/schema.js';

export interface RetentionSettings {
  /** Messages and notifications older than this are deleted. */
  retentionDays: number;
  now?: () => Date;
}

/** What one run deleted, per table. */
export interface RetentionResult {
  messages: number;
  notifications: number;
  linkCodes: number;
  pendingActions: number;
}

/**
 * An expired pending action is kept this long after it expires, so a late "yes" is still told
 * "that expired" rather than "nothing to confirm".
 */
const PENDING_GRACE_MS = 60 * 60_000;

const DAY_MS = 86_400_000;

/**
 * Deletes what Möbius no longer needs to keep: conversation messages and notifications older than
 * the retention period, link codes past their expiry, and pending actions an hour past theirs.
 * Each is one indexed `delete … where created_at/expires_at < cutoff`, safe to run on several
 * instances at once.
 *
 * @example const { messages } = await runRetention(db, { retentionDays: 30 });
 */
export async function runRetention(db: Kysely<Database>, settings: RetentionSettings): Promise<RetentionResult> {
  if (!(Number.isFinite(settings.retentionDays) && settings.retentionDays > 0)) {
    throw new TypeError(`retentionDays must be a positive number (got ${String(settings.retentionDays)})`);
  }
  const now = (settings.now ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - settings.retentionDays * DAY_MS).toISOString();
  const nowIso = now.toISOString();
  const pendingCutoff = new Date(now.getTime() - PENDING_GRACE_MS).toISOString();
  const count = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
  return {
    messages: count(await db.deleteFrom('messages').where('created_at', '<', cutoff).executeTakeFirst()),
    notifications: count(await db.deleteFrom('notifications').where('created_at', '<', cutoff).executeTakeFirst()),
    linkCodes: count(await db.deleteFrom('link_codes').where('expires_at', '<=', nowIso).executeTakeFirst()),
    pendingActions: count(await db.deleteFrom('pending_actions').where('expires_at', '<', pendingCutoff).executeTakeFirst()),
  };
}

export interface RetentionJob {
  /** Runs it now (also what the timer does); resolves with the counts, never rejects. */
  runNow(): Promise<RetentionResult | undefined>;
  /** Stops the timer and waits for a run in progress. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs the retention job at once and then every `intervalMs`, on an unref'd timer (it never keeps
 * the process alive). Failures are logged and the next run tries again.
 */
export function startRetentionJob(db: Kysely<Database>, options: RetentionSettings & { intervalMs: number; log: Logger }): RetentionJob {
  let running: Promise<RetentionResult | undefined> | undefined;
  let stopped = false;
  const runNow = () =>
    (running ??= runRetention(db, options)
      .then(
        (result) => {
          const total = result.messages + result.notifications + result.linkCodes + result.pendingActions;
          if (total > 0) options.log.info({ removed: result, retentionDays: options.retentionDays }, 'retention: removed old data');
          else options.log.debug({ removed: result }, 'retention: nothing to remove');
          return result;
        },
        (err: unknown) => {
          options.log.warn({ err }, 'retention job failed; it runs again at the next interval');
          return undefined;
        },
      )
      .finally(() => {
        running = undefined;
      }));
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, options.intervalMs);
  timer.unref();
  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
