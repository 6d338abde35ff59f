/**
 * MAC addresses as people actually write them in kiosk inventories: colon or dash
 * separated pairs, Cisco dotted quads, or bare hex. Everything is normalised to
 * lower-case colon form so two spellings of one network card compare equal.
 */

export type MacAddressErrorCode = 'MAC_INVALID';

export class MacAddressError extends Error {
  readonly code: MacAddressErrorCode = 'MAC_INVALID';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`Invalid MAC address ${JSON.stringify(input)}: ${reason}`);
    this.name = 'MacAddressError';
  }
}

const PAIRS_COLON = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}$/i;
const PAIRS_DASH = /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i;
const CISCO = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE = /^[0-9a-f]{12}$/i;

/** Parses any common notation into the 6 bytes of the address. */
export function parseMac(input: string): Buffer {
  if (typeof input !== 'string') throw new MacAddressError(String(input), 'expected a string');
  const text = input.trim();
  if (text === '') throw new MacAddressError(input, 'it is empty');

  let hex: string;
  if (PAIRS_COLON.test(text)) {
    // Some tools (macOS arp, older Linux) drop leading zeros: 0:1a:2b:3c:4d:5e.
    hex = text
      .split(':')
      .map((p) => p.padStart(2, '0'))
      .join('');
  } else if (PAIRS_DASH.test(text)) {
    hex = text.replace(/-/g, '');
  } else if (CISCO.test(text)) {
    hex = text.replace(/\./g, '');
  } else if (BARE.test(text)) {
    hex = text;
  } else {
    throw new MacAddressError(input, describeProblem(text));
  }

  const bytes = Buffer.from(hex, 'hex');
  if (bytes.every((b) => b === 0)) throw new MacAddressError(input, 'it is all zeros, not a network card');
  // A set group bit means multicast or broadcast: no network card has such an address,
  // so a magic packet for it can never wake anything; this is always a typing error.
  if ((bytes[0]! & 0x01) === 1) {
    throw new MacAddressError(input, 'it is a multicast/broadcast address (first octet is odd), not a network card');
  }
  return bytes;
}

/** Lower-case colon form, e.g. `00:1a:2b:3c:4d:5e`. */
export function normalizeMac(input: string): string {
  return formatMac(parseMac(input));
}

export function formatMac(bytes: Uint8Array): string {
  if (bytes.length !== 6) throw new MacAddressError(Buffer.from(bytes).toString('hex'), 'expected 6 bytes');
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function isValidMac(input: string): boolean {
  try {
    parseMac(input);
    return true;
  } catch {
    return false;
  }
}

function describeProblem(text: string): string {
  const bad = text.match(/[^0-9a-f:.-]/i);
  if (bad) return `character ${JSON.stringify(bad[0])} is not a hex digit or separator`;
  const separators = new Set(text.match(/[:.-]/g) ?? []);
  if (separators.size > 1) return 'it mixes separators; use one of ":", "-" or Cisco "."';
  const digits = text.replace(/[:.-]/g, '').length;
  if (digits !== 12) return `it has ${digits} hex digits, a MAC address has 12`;
  return 'expected 00:1a:2b:3c:4d:5e, 00-1A-2B-3C-4D-5E, 001a.2b3c.4d5e or 001a2b3c4d5e';
}
