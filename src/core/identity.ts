import { z } from 'zod';
import { UserError } from './errors.js';

/** The platforms a person can reach Möbius from. Identities on different platforms never mix. */
export const platforms = ['telegram', 'discord', 'web', 'api', 'cli', 'mcp'] as const;
export type Platform = (typeof platforms)[number];

/** `telegram:123`, `api:key_ab12:alice` — a person as one platform knows them. */
export interface UserRef {
  platform: Platform;
  /** The platform's own id for this person (for `api`, `<key-owner>:<caller's id>`). */
  id: string;
}

const PLATFORM_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

export const UserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(PLATFORM_ID, 'a user id is 1–128 characters of letters, digits and _ . : @ -');

/** Parses `platform:id`; throws a UserError naming what is wrong. */
export function parseUserRef(text: string): UserRef {
  const colon = text.indexOf(':');
  const platform = colon > 0 ? text.slice(0, colon) : '';
  const id = colon > 0 ? text.slice(colon + 1) : '';
  if (!(platforms as readonly string[]).includes(platform)) {
    throw new UserError('bad_input', `"${text}" should be <platform>:<id> with platform one of ${platforms.join(', ')}`);
  }
  if (!PLATFORM_ID.test(id)) {
    throw new UserError('bad_input', `"${id}" is not a valid user id`);
  }
  return { platform: platform as Platform, id };
}

export function formatUserRef(ref: UserRef): string {
  return `${ref.platform}:${ref.id}`;
}

export const tiers = ['free', 'pro', 'admin'] as const;
export type Tier = (typeof tiers)[number];
export const TierSchema = z.enum(tiers);

/** A person as the assistant sees them after their identity is resolved. */
export interface Principal {
  /** Internal user id (stable across linked identities). */
  userId: string;
  ref: UserRef;
  tier: Tier;
  /**
   * What this caller may do, when limited (an API key's scopes: `chat`, `market`, `wallet`, `trade`,
   * `admin`). Undefined for chat platforms: a person in their own chat may do everything but admin.
   */
  scopes?: readonly string[];
}

/** One chat message from any platform, in the shape the assistant takes. */
export interface IncomingMessage {
  user: UserRef;
  text: string;
  /** Where it was said; groups get fewer powers (no wallet or trade actions). */
  chat?: { kind: 'private' | 'group'; id: string };
  /** The platform's message id, so an adapter can delete a message that carried a key. */
  messageId?: string;
  /** Tier granted by the front door (an API key's tier); chat users fall back to their stored tier. */
  tier?: Tier;
  /** Scopes granted by the front door (an API key's); undefined for chat platforms (see Principal.scopes). */
  scopes?: readonly string[];
}
