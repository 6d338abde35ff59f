/**
 * The effective schedule of a site or a whole hospital as a week or a month calendar:
 * kiosks with the same hours form one group (its size, and its kiosks on demand), each
 * date shows its on-hours as bars coloured by the rule that wins that date, with a
 * legend naming the rules. Prints on A4 landscape for the hospital's notices and
 * exports as CSV. Dates are the site's local dates; nothing uses the browser's zone.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, CalendarDay, CalendarGroup, CalendarLegendEntry, CalendarQuery, CalendarView } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { CalendarMode, isLocalDate, rangeOf, step, todayIn, weekRows } from '../calendar-dates';
import { useI18n, type MessageKey } from '../i18n';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

export default function CalendarPage() {
  const { t } = useI18n();
  const { hospitals, sites } = useSession();
  const { query } = useRoute();
  const fallbackZone = sites[0]?.timeZone ?? 'Asia/Shanghai';
  const scope = readScope(query, hospitals[0]?.id, sites);
  const mode: CalendarMode = query.get('view') === 'month' ? 'month' : 'week';
  const zone = scope.kind === 'site' ? (sites.find((s) => s.id === scope.id)?.timeZone ?? fallbackZone) : zoneOfHospital(sites, scope.id, fallbackZone);
  const date = isLocalDate(query.get('date')) ? query.get('date')! : todayIn(zone);
  const range = rangeOf(mode, date);
  const request: CalendarQuery | null = scope.id
    ? { ...(scope.kind === 'site' ? { siteId: scope.id } : { hospitalId: scope.id }), ...range }
    : null;
  const requestKey = JSON.stringify(request);

  const [view, setView] = useState<CalendarView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    if (!request) return;
    let current = true;
    setLoading(true);
    setError(null);
    api.scheduleCalendar(request).then(
      (v) => current && (setView(v), setLoading(false)),
      (e) => current && (setError(e), setView(null), setLoading(false)),
    );
    return () => {
      current = false;
    };
    // requestKey stands for request, a new object each render.
  }, [requestKey]);

  const go = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) next.set(k, v);
    navigate(`/calendar?${next}`, { replace: false });
  };
  const scopeValue = `${scope.kind === 'site' ? 's' : 'h'}:${scope.id}`;
  const zones = view ? [...new Set(view.sites.map((s) => s.timeZone))] : [zone];

  return (
    <section className="calendar-page">
      <div className="page-head">
        <h1>{t('calendar.title')}</h1>
        <p className="muted" data-testid="calendar-zone">
          {t('calendar.zone', { zone: zones.join(', ') })}
        </p>
      </div>
      <div className="toolbar no-print" role="group" aria-label={t('calendar.controls')}>
        <label className="field-inline">
          {t('calendar.scope')}
          <select
            value={scopeValue}
            onChange={(e) => {
              const [kind, id] = e.target.value.split(':');
              go(kind === 's' ? { site: id, hospital: '' } : { hospital: id, site: '' });
            }}
            data-testid="calendar-scope"
          >
            {hospitals.map((h) => (
              <optgroup key={h.id} label={h.name}>
                <option value={`h:${h.id}`}>{t('calendar.wholeHospital', { hospital: h.name })}</option>
                {sites
                  .filter((s) => s.hospitalId === h.id)
                  .map((s) => (
                    <option key={s.id} value={`s:${s.id}`}>
                      {h.name} · {s.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label={t('calendar.view')}>
          {(['week', 'month'] as const).map((m) => (
            <button key={m} className={m === mode ? 'active' : ''} aria-pressed={m === mode} onClick={() => go({ view: m })} data-testid={`calendar-${m}`}>
              {t(`calendar.${m}` as MessageKey)}
            </button>
          ))}
        </div>
        <button onClick={() => go({ date: step(mode, date, -1) })} data-testid="calendar-prev" aria-label={t(`calendar.prev.${mode}` as MessageKey)}>
          ‹
        </button>
        <button onClick={() => go({ date: todayIn(zone) })} data-testid="calendar-today">
          {t('calendar.today')}
        </button>
        <button onClick={() => go({ date: step(mode, date, 1) })} data-testid="calendar-next" aria-label={t(`calendar.next.${mode}` as MessageKey)}>
          ›
        </button>
        <label className="field-inline">
          {t('calendar.jump')}
          <input type="date" value={date} onChange={(e) => isLocalDate(e.target.value) && go({ date: e.target.value })} data-testid="calendar-date" />
        </label>
        <span className="spacer" />
        {request && (
          <a className="button" href={api.scheduleCalendarCsvUrl(request)} download data-testid="calendar-csv">
            {t('calendar.csv')}
          </a>
        )}
        <button onClick={() => window.print()} data-testid="calendar-print">
          {t('calendar.print')}
        </button>
      </div>
      <h2 className="calendar-range" data-testid="calendar-range">
        {view?.scope.name ?? ''} · {range.from} – {range.to}
      </h2>
      {error ? (
        <ErrorNote error={error} />
      ) : !view || loading ? (
        <Loading />
      ) : (
        <CalendarBody view={view} mode={mode} />
      )}
    </section>
  );
}

function readScope(query: URLSearchParams, firstHospital: string | undefined, sites: { id: string }[]) {
  const site = query.get('site');
  if (site && sites.some((s) => s.id === site)) return { kind: 'site' as const, id: site };
  return { kind: 'hospital' as const, id: query.get('hospital') || firstHospital || '' };
}

/** A hospital's "today": the zone of most of its sites (a hospital rarely spans zones). */
function zoneOfHospital(sites: { hospitalId: string; timeZone: string }[], hospitalId: string, fallback: string): string {
  const counts = new Map<string, number>();
  for (const s of sites) if (s.hospitalId === hospitalId) counts.set(s.timeZone, (counts.get(s.timeZone) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

function CalendarBody({ view, mode }: { view: CalendarView; mode: CalendarMode }) {
  const { t } = useI18n();
  const rules = useMemo(() => new Map(view.legend.map((r) => [r.id, r])), [view]);
  const siteNames = useMemo(() => new Map(view.sites.map((s) => [s.id, s.name])), [view]);
  if (view.groups.length === 0) return <p className="muted">{t('calendar.noKiosks')}</p>;
  return (
    <div data-testid="calendar" data-from={view.from} data-to={view.to}>
      <Legend legend={view.legend} />
      {view.groups.map((g, i) => (
        <GroupCalendar key={g.id} group={g} index={i + 1} mode={mode} rules={rules} siteNames={siteNames} from={view.from} to={view.to} />
      ))}
    </div>
  );
}

function Legend({ legend }: { legend: CalendarLegendEntry[] }) {
  const { t } = useI18n();
  return (
    <ul className="calendar-legend" aria-label={t('calendar.legend')} data-testid="calendar-legend">
      {legend.map((r) => (
        <li key={r.id} data-rule={r.name}>
          <span className={`swatch rule-c${r.colorKey}`} /> {r.name}{' '}
          <span className="muted">
            ({t(`layer.${r.layer}` as MessageKey)} · {t(`calendar.scope.${r.scopeKind}` as MessageKey)})
          </span>
        </li>
      ))}
      <li>
        <span className="swatch off" /> {t('calendar.offAllDay')}
      </li>
      <li>
        <span className="swatch unmanaged" /> {t('calendar.unmanaged')}
      </li>
    </ul>
  );
}

function GroupCalendar(props: {
  group: CalendarGroup;
  index: number;
  mode: CalendarMode;
  rules: Map<string, CalendarLegendEntry>;
  siteNames: Map<string, string>;
  from: string;
  to: string;
}) {
  const { group, index, mode, rules, siteNames, from, to } = props;
  const { t, locale } = useI18n();
  const [showKiosks, setShowKiosks] = useState(false);
  const today = todayIn(group.timeZone);
  const byDate = useMemo(() => new Map(group.days.map((d) => [d.date, d])), [group]);
  const weekdayNames = useMemo(() => {
    const f = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
    return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2027, 1, 1 + i)))); // 2027-02-01 is a Monday
  }, [locale]);
  return (
    <article className="calendar-group" data-testid="calendar-group" data-kiosks={group.kioskCount} aria-labelledby={`${group.id}-title`}>
      <header>
        <h3 id={`${group.id}-title`}>
          {t('calendar.group', { n: index })} · <span data-testid="group-size">{t('calendar.kioskCount', { n: group.kioskCount })}</span>
        </h3>
        <span className="muted">
          {[...siteNames].filter(([id]) => group.siteIds.includes(id)).map(([, name]) => name).join(', ')} · {group.timeZone}
        </span>
        <button className="link no-print" aria-expanded={showKiosks} onClick={() => setShowKiosks((v) => !v)} data-testid="group-kiosks-toggle">
          {showKiosks ? t('calendar.hideKiosks') : t('calendar.showKiosks')}
        </button>
      </header>
      {showKiosks && (
        <ul className="calendar-kiosks" data-testid="group-kiosks">
          {group.kiosks.map((k) => (
            <li key={k.id}>
              <a href={`/kiosks/${encodeURIComponent(k.id)}`}>{k.code}</a> <span className="muted">{k.name}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="calendar-scroll">
        <table className={`calendar-grid ${mode}`}>
          <thead>
            <tr>
              {weekdayNames.map((w) => (
                <th key={w} scope="col">
                  {w}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weekRows(from, to).map((row) => (
              <tr key={row.find(Boolean) ?? ''}>
                {row.map((d, i) =>
                  d ? <DayCell key={d} day={byDate.get(d)!} today={d === today} rules={rules} /> : <td key={`blank${i}`} className="blank" />,
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}

function DayCell({ day, today, rules }: { day: CalendarDay; today: boolean; rules: Map<string, CalendarLegendEntry> }) {
  const { t } = useI18n();
  const start = Date.parse(day.start);
  const span = Date.parse(day.end) - start;
  const rule = day.ruleId ? rules.get(day.ruleId) : undefined;
  const hours = day.bars.map((b) => `${b.startLocal}–${b.endLocal}`).join(', ');
  const summary = day.state === 'unmanaged' ? t('calendar.unmanaged') : hours || t('calendar.off');
  return (
    <td
      className={`calendar-day${today ? ' today' : ''}${day.state === 'unmanaged' ? ' unmanaged' : ''}`}
      aria-current={today ? 'date' : undefined}
      data-testid="calendar-day"
      data-date={day.date}
      data-hours={day.state === 'unmanaged' ? 'unmanaged' : hours || 'off'}
      data-rule={rule?.name ?? ''}
    >
      <div className="date">
        {Number(day.date.slice(8))}
        {today && <span className="today-mark">{t('calendar.today')}</span>}
      </div>
      <div className="cal-track" role="img" aria-label={`${day.date}: ${summary}${rule ? ` (${rule.name})` : ''}`}>
        {day.bars.map((b) => (
          <span
            key={b.start}
            className={`cal-bar rule-c${rules.get(b.ruleId)?.colorKey ?? 0}`}
            style={{ left: `${((Date.parse(b.start) - start) / span) * 100}%`, width: `${((Date.parse(b.end) - Date.parse(b.start)) / span) * 100}%` }}
            title={`${b.startLocal}–${b.endLocal} ${rules.get(b.ruleId)?.name ?? ''}`}
          />
        ))}
      </div>
      <div className="hours">{summary}</div>
      {rule && <div className="rule muted">{rule.name}</div>}
    </td>
  );
}
