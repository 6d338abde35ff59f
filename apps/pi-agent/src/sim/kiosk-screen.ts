/**
 * What a simulated kiosk's screen shows: a background in the colour of its power
 * state, its code and the time (UTC), in block letters big enough to read in the
 * console's Screen dialog and simple enough to check pixel by pixel in a test.
 */
import type { Picture } from './rfb-server';
import type { KioskPower } from './kiosks';

export const SCREEN_WIDTH = 320;
export const SCREEN_HEIGHT = 120;

export const SCREEN_COLOURS: Record<KioskPower, [number, number, number]> = {
  on: [0x1b, 0x5e, 0x20],
  'shutting-down': [0x8d, 0x5a, 0x00],
  booting: [0x0d, 0x47, 0xa1],
  off: [0, 0, 0],
};
export const TEXT_COLOUR: [number, number, number] = [0xff, 0xff, 0xff];

/** 3x5 glyphs, rows top to bottom, '#' lit. */
// prettier-ignore
const GLYPHS: Record<string, string> = {
  '0': '###|#.#|#.#|#.#|###', '1': '.#.|##.|.#.|.#.|###', '2': '###|..#|###|#..|###', '3': '###|..#|.##|..#|###',
  '4': '#.#|#.#|###|..#|..#', '5': '###|#..|###|..#|###', '6': '###|#..|###|#.#|###', '7': '###|..#|..#|.#.|.#.',
  '8': '###|#.#|###|#.#|###', '9': '###|#.#|###|..#|###', '-': '...|...|###|...|...', ':': '...|.#.|...|.#.|...',
  ' ': '...|...|...|...|...', A: '.#.|#.#|###|#.#|#.#', B: '##.|#.#|##.|#.#|##.', C: '###|#..|#..|#..|###',
  D: '##.|#.#|#.#|#.#|##.', E: '###|#..|##.|#..|###', F: '###|#..|##.|#..|#..', G: '###|#..|#.#|#.#|###',
  H: '#.#|#.#|###|#.#|#.#', I: '###|.#.|.#.|.#.|###', J: '..#|..#|..#|#.#|###', K: '#.#|#.#|##.|#.#|#.#',
  L: '#..|#..|#..|#..|###', M: '#.#|###|###|#.#|#.#', N: '##.|#.#|#.#|#.#|#.#', O: '###|#.#|#.#|#.#|###',
  P: '###|#.#|###|#..|#..', Q: '###|#.#|#.#|###|..#', R: '##.|#.#|##.|#.#|#.#', S: '###|#..|###|..#|###',
  T: '###|.#.|.#.|.#.|.#.', U: '#.#|#.#|#.#|#.#|###', V: '#.#|#.#|#.#|#.#|.#.', W: '#.#|#.#|###|###|#.#',
  X: '#.#|#.#|.#.|#.#|#.#', Y: '#.#|#.#|.#.|.#.|.#.', Z: '###|..#|.#.|#..|###',
};
const SCALE = 4;
/** A glyph and the gap after it, in pixels. */
const ADVANCE = 4 * SCALE;

export function drawKioskScreen(code: string, power: KioskPower, now: Date): Picture {
  const rgb = Buffer.alloc(SCREEN_WIDTH * SCREEN_HEIGHT * 3);
  const put = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= SCREEN_WIDTH || y >= SCREEN_HEIGHT) return;
    rgb.set([r, g, b], (y * SCREEN_WIDTH + x) * 3);
  };
  for (let y = 0; y < SCREEN_HEIGHT; y++) for (let x = 0; x < SCREEN_WIDTH; x++) put(x, y, SCREEN_COLOURS[power]);
  const text = (s: string, top: number) => {
    const left = Math.max(0, Math.floor((SCREEN_WIDTH - s.length * ADVANCE + SCALE) / 2));
    [...s.toUpperCase()].forEach((ch, n) => {
      const rows = (GLYPHS[ch] ?? GLYPHS[' ']!).split('|');
      rows.forEach((row, gy) =>
        [...row].forEach((cell, gx) => {
          if (cell !== '#') return;
          for (let dy = 0; dy < SCALE; dy++)
            for (let dx = 0; dx < SCALE; dx++)
              put(left + n * ADVANCE + gx * SCALE + dx, top + gy * SCALE + dy, TEXT_COLOUR);
        }),
      );
    });
  };
  text(code, 24);
  text(now.toISOString().slice(11, 19), 72);
  return { width: SCREEN_WIDTH, height: SCREEN_HEIGHT, rgb };
}
