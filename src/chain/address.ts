import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { UserError } from '../core/errors.js';
import type { Address } from '../core/token.js';

/** True for text shaped like an address attempt (0x then hex digits), right or wrong length. */
export function looksLikeAddress(text: string): boolean {
  return /^0x[0-9a-f]*$/i.test(text.trim());
}

/**
 * EIP-55: a hex digit is upper-case where the matching nibble of keccak256(lower-case address) is
 * 8 or more. Written out here (with the tiny @noble/hashes) so reading an address does not load
 * viem: a server serving no chains never does.
 */
export function toChecksumAddress(lowerHex40: string): Address {
  const hash = bytesToHex(keccak_256(utf8ToBytes(lowerHex40)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lowerHex40[i]!.toUpperCase() : lowerHex40[i]!;
  return out as Address;
}

function shorten(text: string): string {
  return text.length > 14 ? `${text.slice(0, 8)}…${text.slice(-4)}` : text;
}

/**
 * Reads an EVM address typed by a person, refusing the mistakes that lose money: a wrong length,
 * a mistyped mixed-case (EIP-55) checksum, the zero address. All-lower or all-upper case carries
 * no checksum and is accepted. Returns the checksummed form.
 *
 * @example parseAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48') // '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
 */
export function parseAddress(text: string, label = 'address'): Address {
  const input = text.trim();
  const prefix = label === 'address' ? '' : `${label}: `;
  const fail = (message: string): never => {
    throw new UserError('bad_input', prefix + message, { details: { field: label, input: text } });
  };
  if (!/^0x/i.test(input)) fail(`"${shorten(input)}" is not an address: an address is 0x followed by 40 hex digits`);
  const hex = input.slice(2);
  if (/[^0-9a-f]/i.test(hex)) fail(`${shorten(input)} has characters that are not hex digits (0-9, a-f)`);
  if (hex.length !== 40) fail(`an address is 0x followed by 40 hex digits; this one has ${hex.length}`);
  if (/^0+$/.test(hex)) fail('that is the zero address, which burns whatever is sent to it');
  const checksummed = toChecksumAddress(hex.toLowerCase());
  const mixedCase = /[a-f]/.test(hex) && /[A-F]/.test(hex);
  if (mixedCase && `0x${hex}` !== checksummed) fail(`${shorten(input)} has a wrong checksum — check for a typo`);
  return checksummed;
}
