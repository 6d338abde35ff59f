import { describe, expect, it } from 'vitest';
import { readKioskCsv } from './kiosk-csv';

const header = 'code,name,kind,location,ip,mac,subnet,vncPort';
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => `K-${i},Kiosk ${i},registration,Hall,10.2.${(i >> 8) & 255}.${i & 255},02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')},,5900`);
const none = () => ({ codes: new Set<string>(), macs: new Set<string>() });

describe('readKioskCsv', () => {
  it('gives the event loop turns while it reads: a timer set before a 5,000-row file fires many times before it is read', async () => {
    const text = [header, ...rows(5000)].join('\n');
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const { rows: read, problems } = await readKioskCsv(text, none());
    clearInterval(timer);
    expect(problems).toEqual([]);
    expect(read).toHaveLength(5000);
    // One turn at least every 250 rows parsed and every 250 checked.
    expect(turns).toBeGreaterThanOrEqual(20);
  });

  it('stops at the first row past the cap instead of reading the rest', async () => {
    // The parser reads a little ahead of the rows taken (its stream buffers), never megabytes.
    const text = [header, ...rows(25_000), 'this line is never parsed,"unterminated'].join('\n');
    expect(await readKioskCsv(text, none())).toEqual({
      rows: [],
      problems: [{ line: 1, message: 'at most 5000 rows per import (the file has more); split it' }],
    });
  });

  it('reports a malformed file with its line, and a header it cannot read', async () => {
    expect((await readKioskCsv(`${header}\nK-1,"unterminated,registration`, none())).problems[0]).toMatchObject({
      message: expect.stringContaining('not valid CSV'),
    });
    expect((await readKioskCsv('"code,name', none())).problems[0]).toMatchObject({ line: 1, message: expect.stringContaining('not valid CSV') });
  });
});
