import { AsyncLocalStorage } from 'node:async_hooks';

/** What follows one request or message through every await: its id, and who asked. */
export interface RequestContext {
  requestId: string;
  /** `platform:id` once known; logged so an operator can follow one person's request. */
  user?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` visible to every log line written inside it, however deep. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
