import { describe, expect, it } from 'vitest';
import { normaliseUsername } from './usernames';

describe('normaliseUsername', () => {
  it.each([
    ['viewer', 'viewer'],
    ['viewer ', 'viewer'],
    ['  viewer  ', 'viewer'],
    ['\u3000viewer\t', 'viewer'],
    ['VIEWER', 'viewer'],
    ['víewer', 'viewer'],
    ['ｖｉｅｗｅｒ', 'viewer'],
    ['Staff-A', 'staff-a'],
    ['İlker', 'ilker'],
    ['ﬁona', 'fiona'],
    ['𝗈ps', 'ops'],
    ['nurse li', 'nurse li'],
  ])('%j -> %j', (given, expected) => {
    expect(normaliseUsername(given)).toBe(expected);
  });

  it('is idempotent for every code point, so a stored name is its own lookup key', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp < 0x30000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const once = normaliseUsername(`a${String.fromCodePoint(cp)}b`);
      if (normaliseUsername(once) !== once) unstable.push(cp.toString(16));
    }
    expect(unstable).toEqual([]);
  });
});
