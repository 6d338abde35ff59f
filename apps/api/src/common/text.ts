import { z } from 'zod';

/**
 * Text people type (names, locations, notes) ends up in the console, CSV exports,
 * logs and audit entries. Control characters and the Unicode bidirectional controls
 * are refused: they make a name display as something else (U+202E turns
 * "exe.txt" around) or break lines of logs and files. Tabs and newlines only where
 * a field holds several lines.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/u;
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

export const TEXT_CHARACTERS_INVALID = 'TEXT_CHARACTERS_INVALID';

function refuseControls(pattern: RegExp, what: string) {
  return (value: string, ctx: z.RefinementCtx) => {
    const bad = pattern.exec(value) ?? BIDI_CONTROLS.exec(value);
    if (!bad) return;
    const codePoint = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    ctx.addIssue({
      code: 'custom',
      message: `contains ${codePoint} at position ${bad.index + 1}: ${what} and bidirectional controls are not allowed`,
      params: { code: TEXT_CHARACTERS_INVALID },
    });
  };
}

/** One line of text, trimmed: no control characters, no bidirectional controls. */
export const lineText = () => z.string().trim().superRefine(refuseControls(CONTROLS, 'control characters'));

/** Several lines (notes): newlines and tabs allowed, other controls not. */
export const multilineText = () =>
  z.string().trim().superRefine(refuseControls(CONTROLS_BUT_LINES, 'control characters other than newline and tab'));

/**
 * For text that must be recorded whatever it holds (the name a failed login gave):
 * every control and bidirectional character shown as U+FFFD instead of refused.
 */
export function visibleText(value: string): string {
  return value.replace(new RegExp(`${CONTROLS.source}|${BIDI_CONTROLS.source}`, 'gu'), '\uFFFD');
}
