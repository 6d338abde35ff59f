/**
 * Seven days of a kiosk's effective schedule as bars (on / off / unmanaged over
 * the local day), with the winning rule of each day and why it wins.
 */
import type { KioskSchedule, ScheduleDay } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { useServerText } from '../server-text';

export function ScheduleTimeline({
  schedule,
  compact = false,
  testId,
}: {
  schedule: KioskSchedule;
  compact?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <div className={`timeline${compact ? ' compact' : ''}`} data-testid={testId}>
      <div className="timeline-scale" aria-hidden>
        <span />
        <div className="ticks">
          {[0, 6, 12, 18, 24].map((h) => (
            <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
              {String(h).padStart(2, '0')}
            </span>
          ))}
        </div>
        {!compact && <span />}
      </div>
      {schedule.days.map((d) => (
        <DayRow key={d.date} day={d} timeZone={schedule.timeZone} compact={compact} />
      ))}
      <p className="legend muted">
        <span className="seg on" /> {t('expected.on')} <span className="seg off" /> {t('expected.off')}{' '}
        <span className="seg unmanaged" /> {t('expected.unmanaged')} · {t('schedule.zone', { zone: schedule.timeZone })}
      </p>
    </div>
  );
}

function DayRow({ day, timeZone, compact }: { day: ScheduleDay; timeZone: string; compact: boolean }) {
  const { t, time, locale } = useI18n();
  const serverText = useServerText();
  const start = day.intervals.length ? new Date(day.intervals[0].start).getTime() : 0;
  const end = day.intervals.length ? new Date(day.intervals[day.intervals.length - 1].end).getTime() : 1;
  const span = end - start || 1;
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(
    new Date(`${day.date}T12:00:00Z`),
  );
  const onText = day.intervals
    .filter((i) => i.state === 'on')
    .map((i) => `${time(i.start, timeZone)}–${endLabel(i.end, end, time(i.end, timeZone))}`)
    .join(', ');
  return (
    <div className="day" data-testid="schedule-day" data-date={day.date} data-winner={day.winner?.name ?? ''}>
      <span className="day-label">
        {weekday} {day.date.slice(5)}
      </span>
      <div className="bar" role="img" aria-label={`${day.date}: ${onText || t('schedule.noOn')}`}>
        {day.intervals.map((i) => {
          const a = new Date(i.start).getTime();
          const b = new Date(i.end).getTime();
          return (
            <span
              key={i.start}
              className={`seg ${i.state}`}
              style={{ left: `${((a - start) / span) * 100}%`, width: `${((b - a) / span) * 100}%` }}
              title={`${time(i.start, timeZone)}–${endLabel(i.end, end, time(i.end, timeZone))} ${t(`expected.${i.state}` as MessageKey)}`}
            />
          );
        })}
      </div>
      {!compact && (
        <span className="day-why">
          <strong>{day.winner ? day.winner.name : t('schedule.noRule')}</strong>
          {day.winner && <span className="muted"> · {t(`layer.${day.winner.layer}` as MessageKey)}</span>}
          <span className="muted reason"> — {serverText.reason(day)}</span>
          {onText && <span className="on-text"> {onText}</span>}
        </span>
      )}
    </div>
  );
}

/** The end of the day reads 24:00, not 00:00. */
const endLabel = (iso: string, dayEnd: number, label: string) =>
  new Date(iso).getTime() === dayEnd && label === '00:00' ? '24:00' : label;
