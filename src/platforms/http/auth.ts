import type { FastifyRequest } from 'fastify';
import { UserError } from '../../core/errors.js';
import type { Tier, UserRef } from '../../core/identity.js';

/** Who is calling the HTTP API: an API key, or (loopback only) the person at this machine. */
export interface Caller {
  /** The API key id, or 'local' for an unauthenticated loopback caller. */
  keyId: string;
  tier: Tier;
  /** The key's scopes (`chat`, `market`, `wallet`, `trade`, `admin`); undefined for the local caller, who may do everything. */
  scopes: readonly string[] | undefined;
}

export interface ApiKeyVerifier {
  verify(token: string): Promise<{ id: string; tier: Tier; scopes: readonly string[] } | null>;
}

/** The tier of a caller on a loopback-only server without a key: the machine's owner. */
const LOCAL_TIER: Tier = 'pro';

/**
 * Resolves the caller from `Authorization: Bearer <key>`. A key, when sent, must be valid. Without
 * one, only a server listening on loopback alone answers (the person on this laptop); any other
 * listening address requires a key, so exposing the port never exposes the API.
 */
export async function authenticate(request: FastifyRequest, verifier: ApiKeyVerifier, loopbackOnly: boolean): Promise<Caller> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match ? await verifier.verify(match[1]!) : null;
    if (!key) throw new UserError('unauthorized', 'The API key is invalid or revoked.');
    return { keyId: key.id, tier: key.tier, scopes: key.scopes };
  }
  if (loopbackOnly) return { keyId: 'local', tier: LOCAL_TIER, scopes: undefined };
  throw new UserError('unauthorized', 'An API key is required: send Authorization: Bearer <key> (create one with `mobius apikey create`).');
}

/** An API caller's person: ids are scoped to the key, so one key can never speak for another's users. */
export function apiUserRef(caller: Caller, user: string | undefined): UserRef {
  return { platform: 'api', id: `${caller.keyId}:${user ?? 'default'}` };
}

/** Admin-only endpoints (metrics off-loopback, operations): an admin-tier key with the admin scope, or the machine's owner. */
export function requireAdmin(caller: Caller, loopbackOnly: boolean): void {
  if (caller.keyId === 'local' && loopbackOnly) return;
  if (caller.tier === 'admin' && caller.scopes?.includes('admin')) return;
  throw new UserError('forbidden', caller.tier === 'admin' ? 'This endpoint needs an API key with the admin scope.' : 'This endpoint needs an admin API key.');
}

/** Endpoints of one scope (`chat` for POST /v1/chat); the local caller has every scope. */
export function requireScope(caller: Caller, scope: string): void {
  if (caller.scopes === undefined || caller.scopes.includes(scope)) return;
  throw new UserError('forbidden', `This API key may not use this endpoint: it needs the "${scope}" scope.`, { details: { scope } });
}
