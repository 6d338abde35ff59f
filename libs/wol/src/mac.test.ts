import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MacAddressError, formatMac, isValidMac, normalizeMac, parseMac } from './mac';

describe('parseMac / normalizeMac', () => {
  it.each([
    ['00:1a:2b:3c:4d:5e'],
    ['00:1A:2B:3C:4D:5E'],
    ['00-1A-2B-3C-4D-5E'],
    ['001a.2b3c.4d5e'],
    ['001A2B3C4D5E'],
    ['  00:1a:2b:3c:4d:5e\n'],
    ['0:1a:2b:3c:4d:5e'],
  ])('reads %j', (text) => {
    expect(normalizeMac(text)).toBe('00:1a:2b:3c:4d:5e');
    expect([...parseMac(text)]).toEqual([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
  });

  it.each([
    ['', /empty/],
    ['00:1a:2b:3c:4d', /10 hex digits/],
    ['00:1a:2b:3c:4d:5e:6f', /14 hex digits/],
    ['00:1a:2b:3c:4d:5g', /"g" is not a hex digit/],
    ['00:1a-2b:3c:4d:5e', /mixes separators/],
    ['00:00:00:00:00:00', /all zeros/],
    ['ff:ff:ff:ff:ff:ff', /multicast\/broadcast/],
    ['01:00:5e:00:00:01', /multicast/],
    ['001a2b3c4d5', /11 hex digits/],
    ['001a.2b3c.4d5e.6f70', /16 hex digits/],
  ])('rejects %j with a reason', (text, reason) => {
    let error: unknown;
    try {
      parseMac(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MacAddressError);
    expect((error as MacAddressError).code).toBe('MAC_INVALID');
    expect((error as MacAddressError).message).toMatch(reason);
    expect((error as MacAddressError).message).toContain(JSON.stringify(text));
    expect(isValidMac(text)).toBe(false);
  });

  it('round-trips every unicast address in every notation', () => {
    const unicast = fc
      .uint8Array({ minLength: 6, maxLength: 6 })
      .filter((b) => (b[0]! & 1) === 0 && b.some((x) => x !== 0));
    fc.assert(
      fc.property(unicast, fc.boolean(), (bytes, upper) => {
        const colon = formatMac(bytes);
        const hex = Buffer.from(bytes).toString('hex');
        const cisco = `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`;
        const dash = colon.replace(/:/g, '-');
        for (const text of [colon, dash, cisco, hex]) {
          const written = upper ? text.toUpperCase() : text;
          expect(normalizeMac(written)).toBe(colon);
        }
      }),
    );
  });
});
