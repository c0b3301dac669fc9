/**
 * JSON.stringify that writes bigints as decimal strings: capability data carries money as bigint
 * base units, and JSON has no integer type wide enough.
 */
export function toJson(value: unknown, space?: number): string {
  // A replacer slows every stringify several-fold; most values hold no bigint, so try without one.
  try {
    // Without a replacer argument at all: V8's fast serializer bails out when one is passed.
    return space === undefined ? JSON.stringify(value) : JSON.stringify(value, null, space);
  } catch (err) {
    if (!(err instanceof TypeError && /BigInt/i.test(err.message))) throw err;
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), space);
  }
}

/** A deep copy with bigints turned into strings: what an HTTP or MCP client will receive. */
export function toJsonValue<T = unknown>(value: unknown): T {
  return JSON.parse(toJson(value)) as T;
}
