import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import type { MessageKey } from '../i18n';
import { changedFields, fieldLabel, formatValue } from './audit-changes';

const t = (key: MessageKey) => en[key] ?? key;
const f = {
  t,
  locale: 'en-GB',
  dateTime: (iso: string) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(new Date(iso)),
};

describe('audit changes for people', () => {
  it('lists only the fields that differ, without bookkeeping fields', () => {
    const before = { id: 'k1', name: 'Lobby', notes: '', windows: [{ start: '07:00', end: '20:00' }], updatedAt: '2026-01-01T00:00:00.000Z' };
    const after = { ...before, name: 'Lobby east', updatedAt: '2026-01-02T00:00:00.000Z' };
    expect(changedFields(before, after)).toEqual([{ field: 'name', before: 'Lobby', after: 'Lobby east' }]);
  });

  it('a creation lists every field set, a deletion every field there was', () => {
    expect(changedFields(null, { id: 'x', name: 'A', enabled: true }).map((c) => c.field)).toEqual(['name', 'enabled']);
    expect(changedFields({ name: 'A' }, null)).toEqual([{ field: 'name', before: 'A', after: undefined }]);
  });

  it('formats times in the given zone, yes/no, hours, weekdays and lists', () => {
    expect(formatValue('fromDate', '2026-02-10T00:30:00.000Z', f)).toBe('10/02/2026, 08:30');
    expect(formatValue('enabled', false, f)).toBe('No');
    expect(formatValue('windows', [{ start: '07:00', end: '12:00' }, { start: '13:00', end: '20:00' }], f)).toBe('07:00–12:00, 13:00–20:00');
    expect(formatValue('days', [1, 2, 7], f)).toBe('Mon, Tue, Sun');
    expect(formatValue('subnets', ['10.0.0.0/24', '10.0.1.0/24'], f)).toBe('10.0.0.0/24, 10.0.1.0/24');
    expect(formatValue('kioskIds', [], f)).toBe('(none)');
    expect(formatValue('notes', null, f)).toBe('—');
    // A plain date is no instant: it stays as written.
    expect(formatValue('untilDate', '2026-02-16', f)).toBe('2026-02-16');
  });

  it('labels known fields and keeps the name of others', () => {
    expect(fieldLabel(t, 'vncPort')).toBe('VNC port');
    expect(fieldLabel(t, 'somethingNew')).toBe('somethingNew');
  });
});
