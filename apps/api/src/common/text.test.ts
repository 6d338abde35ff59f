import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lineText, multilineText, visibleText } from './text';

describe('text people type', () => {
  it('refuses control characters and bidirectional controls, naming the code point', () => {
    const line = lineText();
    expect(line.parse('  Registration 1F  ')).toBe('Registration 1F');
    expect(line.parse('挂号机 1 号')).toBe('挂号机 1 号');
    for (const [text, codePoint] of [
      ['report\u202Efdp.exe', 'U+202E'],
      ['a\u2066b', 'U+2066'],
      ['bell\u0007', 'U+0007'],
      ['two\nlines', 'U+000A'],
      ['c1\u0085', 'U+0085'],
    ]) {
      const result = line.safeParse(text);
      expect(result.success, text).toBe(false);
      expect((result as z.ZodSafeParseError<string>).error.issues[0]!.message).toContain(codePoint);
    }
    expect(multilineText().parse('line one\n\tline two')).toBe('line one\n\tline two');
    expect(multilineText().safeParse('line\u202E').success).toBe(false);
  });

  it('visibleText keeps what it must record, with every control shown as U+FFFD', () => {
    expect(visibleText('\u202Enimda')).toBe('\uFFFDnimda');
    expect(visibleText('viewer\r\nadmin logged in')).toBe('viewer\uFFFD\uFFFDadmin logged in');
    expect(visibleText('ｖｉｅｗｅｒ')).toBe('ｖｉｅｗｅｒ');
  });
});
