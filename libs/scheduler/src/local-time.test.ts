import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localToInstant } from './local-time';

const iso = (date: string, clock: string, zone: string) => localToInstant(date, clock, zone).toISOString();

describe('localToInstant: ordinary readings', () => {
  it('reads the wall clock in the given zone, whatever the host zone', () => {
    expect(iso('2026-01-05', '08:00', 'Asia/Shanghai')).toBe('2026-01-05T00:00:00.000Z');
    expect(iso('2026-01-05', '00:00', 'UTC')).toBe('2026-01-05T00:00:00.000Z');
    expect(iso('2026-01-05', '24:00', 'Asia/Shanghai')).toBe('2026-01-05T16:00:00.000Z');
  });

  it('handles a non-hour offset (Asia/Kathmandu, +05:45)', () => {
    expect(iso('2026-06-01', '08:00', 'Asia/Kathmandu')).toBe('2026-06-01T02:15:00.000Z');
    expect(iso('2026-06-01', '00:00', 'Asia/Kathmandu')).toBe('2026-05-31T18:15:00.000Z');
  });
});

describe('localToInstant: spring-forward gap -> first instant after the gap', () => {
  it('America/New_York 2026-03-08, 02:00-03:00 does not exist', () => {
    expect(iso('2026-03-08', '01:59', 'America/New_York')).toBe('2026-03-08T06:59:00.000Z');
    expect(iso('2026-03-08', '02:00', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
    expect(iso('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
    expect(iso('2026-03-08', '03:00', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
    expect(iso('2026-03-08', '03:01', 'America/New_York')).toBe('2026-03-08T07:01:00.000Z');
  });

  it('Europe/London 2026-03-29, 01:00-02:00 does not exist', () => {
    expect(iso('2026-03-29', '01:30', 'Europe/London')).toBe('2026-03-29T01:00:00.000Z');
    expect(iso('2026-03-29', '02:00', 'Europe/London')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('Australia/Lord_Howe 2026-10-04, a 30-minute gap 02:00-02:30', () => {
    expect(iso('2026-10-04', '02:00', 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z');
    expect(iso('2026-10-04', '02:15', 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z');
    expect(iso('2026-10-04', '02:30', 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z');
    expect(iso('2026-10-04', '03:00', 'Australia/Lord_Howe')).toBe('2026-10-03T16:00:00.000Z');
  });

  it('America/Santiago 2026-09-06: midnight itself is in the gap', () => {
    expect(iso('2026-09-06', '00:00', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
    expect(iso('2026-09-05', '24:00', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
    expect(iso('2026-09-06', '01:00', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('corrects luxon, which moves a gap reading forward by the offset difference', () => {
    const luxon = DateTime.fromObject({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, { zone: 'America/New_York' });
    expect(luxon.toUTC().toISO()).toBe('2026-03-08T07:30:00.000Z');
    expect(iso('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
  });
});

describe('localToInstant: fall-back repeat -> first occurrence', () => {
  it('America/New_York 2026-11-01, 01:00-02:00 occurs twice', () => {
    expect(iso('2026-11-01', '00:59', 'America/New_York')).toBe('2026-11-01T04:59:00.000Z');
    expect(iso('2026-11-01', '01:00', 'America/New_York')).toBe('2026-11-01T05:00:00.000Z');
    expect(iso('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(iso('2026-11-01', '02:00', 'America/New_York')).toBe('2026-11-01T07:00:00.000Z');
  });

  it('Europe/London 2026-10-25, 01:00-02:00 occurs twice', () => {
    expect(iso('2026-10-25', '01:30', 'Europe/London')).toBe('2026-10-25T00:30:00.000Z');
    expect(iso('2026-10-25', '02:00', 'Europe/London')).toBe('2026-10-25T02:00:00.000Z');
  });

  it('Australia/Lord_Howe 2026-04-05, 01:30-02:00 occurs twice (30 minutes)', () => {
    expect(iso('2026-04-05', '01:30', 'Australia/Lord_Howe')).toBe('2026-04-04T14:30:00.000Z');
    expect(iso('2026-04-05', '01:45', 'Australia/Lord_Howe')).toBe('2026-04-04T14:45:00.000Z');
    expect(iso('2026-04-05', '02:00', 'Australia/Lord_Howe')).toBe('2026-04-04T15:30:00.000Z');
  });

  it('corrects luxon, which picks the second occurrence in New York and London', () => {
    const luxon = DateTime.fromObject({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, { zone: 'America/New_York' });
    expect(luxon.toUTC().toISO()).toBe('2026-11-01T06:30:00.000Z');
    expect(iso('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('localToInstant: bad input', () => {
  it('throws RangeError for an unknown zone, a bad date or a bad time', () => {
    expect(() => localToInstant('2026-01-01', '08:00', 'Mars/Olympus')).toThrow(RangeError);
    expect(() => localToInstant('2026-02-30', '08:00', 'UTC')).toThrow(RangeError);
    expect(() => localToInstant('2026-01-01', '8:00', 'UTC')).toThrow(RangeError);
  });
});
