import { describe, expect, it } from 'vitest';
import { MacAddressError } from './mac';
import { MAGIC_PACKET_LENGTH, SecureOnPasswordError, magicPacket, parseSecureOnPassword } from './packet';

const MAC = [0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e];

describe('magicPacket', () => {
  it('is 6 x 0xFF then the MAC 16 times, byte for byte', () => {
    const packet = magicPacket('00-1A-2B-3C-4D-5E');
    expect(packet.length).toBe(MAGIC_PACKET_LENGTH);
    const expected = [...Array(6).fill(0xff), ...Array.from({ length: 16 }, () => MAC).flat()];
    expect([...packet]).toEqual(expected);
  });

  it('appends a 6-byte SecureOn password', () => {
    const packet = magicPacket('00:1a:2b:3c:4d:5e', { password: '01:23:45:67:89:ab' });
    expect(packet.length).toBe(108);
    expect([...packet.subarray(102)]).toEqual([0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
    expect([...packet.subarray(0, 102)]).toEqual([...magicPacket('00:1a:2b:3c:4d:5e')]);
  });

  it('appends a 4-byte SecureOn password written as dotted decimal or given as bytes', () => {
    expect([...magicPacket('001a2b3c4d5e', { password: '192.168.1.9' }).subarray(102)]).toEqual([192, 168, 1, 9]);
    expect([...magicPacket('001a2b3c4d5e', { password: new Uint8Array([1, 2, 3, 4]) }).subarray(102)]).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('rejects bad passwords and MACs with typed errors', () => {
    expect(() => parseSecureOnPassword('1.2.3')).toThrow(SecureOnPasswordError);
    expect(() => parseSecureOnPassword('300.1.1.1')).toThrow(/over 255/);
    expect(() => parseSecureOnPassword(new Uint8Array(5))).toThrow(/5 bytes/);
    expect(() => magicPacket('nope')).toThrow(MacAddressError);
  });
});
