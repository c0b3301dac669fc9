import { randomBytes, randomUUID } from 'node:crypto';

/** A new random id for rows (users, keys, actions). */
export function newId(prefix?: string): string {
  const id = randomUUID();
  return prefix ? `${prefix}_${id.replaceAll('-', '')}` : id;
}

/** A short id for requests and messages: unique enough within logs, short enough to read. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}
