import { randomBytes, randomUUID } from 'node:crypto';

/** A new random id for rows (users, keys, actions). */
export function newId(prefix?: string): string {
  const id = randomUUID();
  return prefix ? `${prefix}_${id.replaceAll('-', '')}` : id;
}

// Request ids are minted on every request: a random per-process prefix plus a counter is unique
// across instances and restarts without asking the CSPRNG each time.
const processPrefix = randomBytes(5).toString('hex');
let requestCounter = 0;

/** A short id for requests and messages, unique across processes: `3f9a1c07b2-1k`. */
export function newRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${processPrefix}-${requestCounter.toString(36)}`;
}
