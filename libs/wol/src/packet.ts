import { parseMac } from './mac';

/**
 * SecureOn is a password some network cards require after the 16 MAC repeats.
 * It is 6 bytes (written like a MAC) or 4 bytes (written like an IPv4 address).
 */
export class SecureOnPasswordError extends Error {
  readonly code = 'SECUREON_PASSWORD_INVALID' as const;
  constructor(reason: string) {
    super(`Invalid SecureOn password: ${reason}`);
    this.name = 'SecureOnPasswordError';
  }
}

export type SecureOnPassword = string | Uint8Array;

export const MAGIC_PACKET_LENGTH = 102;

/** Magic packet: 6 x 0xFF, then the MAC 16 times, then the SecureOn password if any. */
export function magicPacket(mac: string, options: { password?: SecureOnPassword } = {}): Buffer {
  const macBytes = parseMac(mac);
  const password = options.password === undefined ? Buffer.alloc(0) : parseSecureOnPassword(options.password);
  const packet = Buffer.alloc(MAGIC_PACKET_LENGTH + password.length, 0xff);
  for (let i = 0; i < 16; i++) macBytes.copy(packet, 6 + i * 6);
  password.copy(packet, MAGIC_PACKET_LENGTH);
  return packet;
}

export function parseSecureOnPassword(password: SecureOnPassword): Buffer {
  if (password instanceof Uint8Array) {
    if (password.length !== 4 && password.length !== 6) {
      throw new SecureOnPasswordError(`it has ${password.length} bytes, expected 4 or 6`);
    }
    return Buffer.from(password);
  }
  const text = password.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split('.').map(Number);
    if (octets.some((o) => o > 255)) throw new SecureOnPasswordError('a dotted 4-byte password has an octet over 255');
    return Buffer.from(octets);
  }
  const hex = text.replace(/[:-]/g, '');
  if (/^[0-9a-f]{12}$/i.test(hex) && /^[0-9a-f]{2}([:-]?[0-9a-f]{2}){5}$/i.test(text)) {
    // Not parseMac: a password may legitimately look like a multicast or all-zero MAC.
    return Buffer.from(hex, 'hex');
  }
  throw new SecureOnPasswordError('expected 6 bytes like 01:23:45:67:89:ab or 4 bytes like 192.168.1.1');
}
