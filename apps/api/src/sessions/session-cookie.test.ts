import { describe, expect, it } from 'vitest';
import { sessionTokenOf } from './session-cookie';

describe('sessionTokenOf: the one reader of the session cookie', () => {
  it('finds the session among other cookies, whatever the spacing', () => {
    expect(sessionTokenOf('theme=dark; wk_session=abc123;lang=zh-CN')).toBe('abc123');
    expect(sessionTokenOf('wk_session=abc123')).toBe('abc123');
  });

  it('no header, no session cookie, or a cookie whose name only contains it: no token', () => {
    expect(sessionTokenOf(undefined)).toBeUndefined();
    expect(sessionTokenOf('')).toBeUndefined();
    expect(sessionTokenOf('theme=dark')).toBeUndefined();
    expect(sessionTokenOf('old_wk_session=abc; wk_session_x=def')).toBeUndefined();
  });

  it('the first wins, quotes come off, percent-encoding is decoded and a broken one is kept as sent', () => {
    expect(sessionTokenOf('wk_session=first; wk_session=second')).toBe('first');
    expect(sessionTokenOf('wk_session="quoted"')).toBe('quoted');
    expect(sessionTokenOf('wk_session=a%2Bb')).toBe('a+b');
    expect(sessionTokenOf('wk_session=a%E0b')).toBe('a%E0b');
  });
});
