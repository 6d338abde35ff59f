import { stringify } from 'csv-stringify/sync';
import { guardCell } from '../kiosks/kiosk-csv';
import type { CalendarView } from './calendar.service';

export const CALENDAR_CSV_COLUMNS = [
  'date', 'timeZone', 'group', 'kioskCount', 'kiosks', 'sites', 'state', 'start', 'end', 'startUtc', 'endUtc', 'rule', 'layer', 'scope',
] as const;

/**
 * One row per group, local date and on-period (a date with none gives one row, `off`
 * or `unmanaged`), for the hospital's notices. Names come from staff: cells that start
 * like a formula are guarded as in the kiosk export.
 */
export function writeCalendarCsv(view: CalendarView): string {
  const rules = new Map(view.legend.map((r) => [r.id, r]));
  const siteNames = new Map(view.sites.map((s) => [s.id, s.name]));
  const rows: string[][] = [];
  for (const group of view.groups) {
    const kiosks = group.kiosks.map((k) => k.code).join(' ');
    const sites = group.siteIds.map((id) => siteNames.get(id) ?? id).join('; ');
    const common = [group.timeZone, group.id, String(group.kioskCount), kiosks, sites];
    for (const day of group.days) {
      const rule = day.ruleId ? rules.get(day.ruleId) : undefined;
      const ruleCells = rule ? [rule.name, rule.layer, rule.scopeKind] : ['', '', ''];
      if (day.bars.length === 0) {
        rows.push([day.date, ...common, day.state === 'unmanaged' ? 'unmanaged' : 'off', '', '', '', '', ...ruleCells]);
      }
      for (const bar of day.bars) {
        rows.push([day.date, ...common, 'on', bar.startLocal, bar.endLocal, bar.start, bar.end, ...ruleCells]);
      }
    }
  }
  return stringify(
    rows.map((r) => r.map(guardCell)),
    { header: true, columns: [...CALENDAR_CSV_COLUMNS] },
  );
}
