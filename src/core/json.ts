/**
 * JSON.stringify that writes bigints as decimal strings: capability data carries money as bigint
 * base units, and JSON has no integer type wide enough.
 */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), space);
}

/** A deep copy with bigints turned into strings: what an HTTP or MCP client will receive. */
export function toJsonValue<T = unknown>(value: unknown): T {
  return JSON.parse(toJson(value)) as T;
}
