import { describe, expect, it } from 'vitest';
import { at, brief, hours, kiosk, rule } from '../test/fixtures';
import { resolve } from './resolve';
import { transitions } from './transitions';

const allDay = (id: string, fields = {}) => rule(id, { windows: hours(['00:00', '24:00']), ...fields });

describe('transitions: the [from, to) contract', () => {
  const k = kiosk('k1', 'UTC');
  const office = rule('office', { windows: hours(['08:00', '18:00']) });

  it('includes a change exactly at from, excludes one exactly at to', () => {
    expect(brief(transitions([office], k, at('2026-01-05T08:00:00Z'), at('2026-01-05T18:00:00Z')))).toEqual([
      '2026-01-05T08:00:00.000Z on office',
    ]);
  });

  it('reports nothing when from is inside a period and to comes before its end', () => {
    expect(transitions([office], k, at('2026-01-05T09:00:00Z'), at('2026-01-05T10:00:00Z'))).toEqual([]);
  });

  it('returns nothing for an empty or reversed range', () => {
    expect(transitions([office], k, at('2026-01-05T09:00:00Z'), at('2026-01-05T09:00:00Z'))).toEqual([]);
    expect(transitions([office], k, at('2026-01-06T09:00:00Z'), at('2026-01-05T09:00:00Z'))).toEqual([]);
  });

  it('reports unmanaged without a ruleId and never repeats a state', () => {
    const weekdays = rule('weekdays', { days: [1, 2, 3, 4, 5], windows: hours(['08:00', '18:00']) });
    const list = transitions([weekdays], k, at('2026-01-09T00:00:00Z'), at('2026-01-13T00:00:00Z'));
    expect(brief(list)).toEqual([
      '2026-01-09T08:00:00.000Z on weekdays',
      '2026-01-09T18:00:00.000Z off weekdays',
      '2026-01-10T00:00:00.000Z unmanaged',
      '2026-01-12T00:00:00.000Z off weekdays',
      '2026-01-12T08:00:00.000Z on weekdays',
      '2026-01-12T18:00:00.000Z off weekdays',
    ]);
    expect(list[2]).toStrictEqual({ at: at('2026-01-10T00:00:00Z'), state: 'unmanaged' });
  });

  it('keeps milliseconds of from and to', () => {
    expect(brief(transitions([office], k, at('2026-01-05T07:59:59.999Z'), at('2026-01-05T08:00:00.001Z')))).toEqual([
      '2026-01-05T08:00:00.000Z on office',
    ]);
  });
});

describe('daylight saving: America/New_York', () => {
  const k = kiosk('ny', 'America/New_York');

  it('spring forward 2026-03-08: a window starting in the gap opens when the gap ends', () => {
    const early = rule('early', { windows: hours(['02:30', '04:00']) });
    expect(brief(transitions([early], k, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z')))).toEqual([
      '2026-03-08T07:00:00.000Z on early',
      '2026-03-08T08:00:00.000Z off early',
    ]);
  });

  it('spring forward: a window wholly inside the gap never opens', () => {
    const lost = rule('lost', { windows: hours(['02:05', '02:55']) });
    expect(transitions([lost], k, at('2026-03-08T05:00:00Z'), at('2026-03-09T05:00:00Z'))).toEqual([]);
    expect(resolve([lost], k, at('2026-03-08T07:00:00Z'))).toEqual({ state: 'off', ruleId: 'lost' });
  });

  it('spring forward: the day is 23 hours and on all day stays on across both midnights', () => {
    const open = allDay('open', { from: '2026-03-08', until: '2026-03-08' });
    expect(brief(transitions([open], k, at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z')))).toEqual([
      '2026-03-08T05:00:00.000Z on open',
      '2026-03-09T04:00:00.000Z unmanaged',
    ]);
  });

  it('fall back 2026-11-01: a repeated start or end means its first occurrence', () => {
    const repeated = rule('repeated', { windows: hours(['01:30', '02:00'], ['06:00', '07:00']) });
    expect(brief(transitions([repeated], k, at('2026-11-01T04:00:00Z'), at('2026-11-02T04:00:00Z')))).toEqual([
      '2026-11-01T05:30:00.000Z on repeated',
      '2026-11-01T07:00:00.000Z off repeated',
      '2026-11-01T11:00:00.000Z on repeated',
      '2026-11-01T12:00:00.000Z off repeated',
    ]);
    const endsInRepeat = rule('ends-in-repeat', { windows: hours(['00:30', '01:30']) });
    expect(brief(transitions([endsInRepeat], k, at('2026-11-01T04:00:00Z'), at('2026-11-02T04:00:00Z')))).toEqual([
      '2026-11-01T04:30:00.000Z on ends-in-repeat',
      '2026-11-01T05:30:00.000Z off ends-in-repeat',
    ]);
  });

  it('fall back: an overnight period 22:00-06:00 lasts 9 hours that night', () => {
    const night = rule('night', { windows: hours(['22:00', '24:00'], ['00:00', '06:00']) });
    expect(brief(transitions([night], k, at('2026-10-31T12:00:00Z'), at('2026-11-01T12:00:00Z')))).toEqual([
      '2026-11-01T02:00:00.000Z on night',
      '2026-11-01T11:00:00.000Z off night',
    ]);
  });
});

describe('daylight saving: Europe/London', () => {
  const k = kiosk('ldn', 'Europe/London');
  const night = rule('night', { windows: hours(['22:00', '24:00'], ['00:00', '06:00']) });

  it('spring forward 2026-03-29: overnight ends at 06:00 BST = 05:00Z, no blip at midnight or in the gap', () => {
    expect(brief(transitions([night], k, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z')))).toEqual([
      '2026-03-28T22:00:00.000Z on night',
      '2026-03-29T05:00:00.000Z off night',
    ]);
  });

  it('a window 01:00-02:00 on 2026-03-29 lies in the gap and vanishes; on 2026-10-25 it is the first pass only', () => {
    const small = rule('small-hours', { windows: hours(['01:00', '02:00']) });
    expect(transitions([small], k, at('2026-03-29T00:00:00Z'), at('2026-03-29T03:00:00Z'))).toEqual([]);
    expect(brief(transitions([small], k, at('2026-10-24T23:00:00Z'), at('2026-10-25T03:00:00Z')))).toEqual([
      '2026-10-25T00:00:00.000Z on small-hours',
      '2026-10-25T02:00:00.000Z off small-hours',
    ]);
  });
});

describe('daylight saving: Australia/Lord_Howe (30-minute shift)', () => {
  const k = kiosk('lhi', 'Australia/Lord_Howe');

  it('spring forward 2026-10-04 (02:00 -> 02:30): 02:15-03:00 opens at 02:30 LHDT', () => {
    const w = rule('w', { windows: hours(['02:15', '03:00']) });
    expect(brief(transitions([w], k, at('2026-10-03T13:00:00Z'), at('2026-10-04T13:00:00Z')))).toEqual([
      '2026-10-03T15:30:00.000Z on w',
      '2026-10-03T16:00:00.000Z off w',
    ]);
  });

  it('fall back 2026-04-05 (02:00 -> 01:30): 01:00-02:00 runs 90 minutes, 01:45 means the first pass', () => {
    const w = rule('w', { windows: hours(['01:00', '02:00']) });
    expect(brief(transitions([w], k, at('2026-04-04T12:00:00Z'), at('2026-04-05T12:00:00Z')))).toEqual([
      '2026-04-04T14:00:00.000Z on w',
      '2026-04-04T15:30:00.000Z off w',
    ]);
    const late = rule('late', { windows: hours(['01:45', '08:00']) });
    expect(brief(transitions([late], k, at('2026-04-04T12:00:00Z'), at('2026-04-05T12:00:00Z')))).toEqual([
      '2026-04-04T14:45:00.000Z on late',
      '2026-04-04T21:30:00.000Z off late',
    ]);
  });
});

describe('a zone with a non-hour offset: Asia/Kathmandu (+05:45)', () => {
  it('turns 08:00-17:00 into 02:15Z-11:15Z', () => {
    const k = kiosk('ktm', 'Asia/Kathmandu');
    const office = rule('office', { windows: hours(['08:00', '17:00']) });
    expect(brief(transitions([office], k, at('2026-06-01T00:00:00Z'), at('2026-06-02T00:00:00Z')))).toEqual([
      '2026-06-01T02:15:00.000Z on office',
      '2026-06-01T11:15:00.000Z off office',
    ]);
    expect(resolve([office], k, at('2026-06-01T02:14:59.999Z')).state).toBe('off');
  });
});

describe('midnight inside a gap: America/Santiago 2026-09-06', () => {
  it('the date begins at the first instant after the gap', () => {
    const k = kiosk('scl', 'America/Santiago');
    const saturday = allDay('saturday', { days: [6] });
    expect(brief(transitions([saturday], k, at('2026-09-05T00:00:00Z'), at('2026-09-07T00:00:00Z')))).toEqual([
      '2026-09-05T04:00:00.000Z on saturday',
      '2026-09-06T04:00:00.000Z unmanaged',
    ]);
    expect(resolve([saturday], k, at('2026-09-06T03:59:59.999Z')).state).toBe('on');
  });
});
