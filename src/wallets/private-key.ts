import { UserError } from '../core/errors.js';

/** secp256k1's group order: a private key is 1 … n-1. */
const CURVE_ORDER = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

/** 64 hex digits (0x optional) → 32 key bytes; the messages never repeat any of it. */
export function parsePrivateKey(text: string): Buffer {
  const hex = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new UserError('bad_input', `That is not a private key: one is 64 hex digits (0-9, a-f), optionally after 0x${hex.length === 40 ? ' — that looks like an address; to follow an address, say "watch 0x…"' : ''}.`);
  }
  const key = hexToKey(hex);
  checkKeyRange(key);
  return key;
}

export function hexToKey(hex: string): Buffer {
  return Buffer.from(hex.replace(/^0x/i, ''), 'hex');
}

export function checkKeyRange(key: Buffer): void {
  if (key.length !== 32) throw new UserError('bad_input', 'That key is not 32 bytes long.');
  const n = BigInt(`0x${key.toString('hex')}`);
  if (n === 0n || n >= CURVE_ORDER) throw new UserError('bad_input', 'That is not a valid private key: it is outside the range secp256k1 keys take.');
}
