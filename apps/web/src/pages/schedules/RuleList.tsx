/** The rules of a hospital as a table, most general first; a row opens the rule in the editor. */
import type { PowerRule } from '../../api/client';
import { useI18n, type MessageKey } from '../../i18n';
import { Link } from '../../router';
import { canEditFleet, useSession } from '../../session';

export function RuleList({
  rules,
  hospitalId,
  selected,
}: {
  rules: PowerRule[];
  hospitalId: string;
  selected: string | null;
}) {
  const { t } = useI18n();
  const { me, sites } = useSession();
  const order = { hospital: 0, site: 1, kiosks: 2 };
  const sorted = [...rules].sort(
    (a, b) => order[a.scope.kind] - order[b.scope.kind] || a.layer.localeCompare(b.layer) || b.priority - a.priority,
  );
  return (
    <div className="card">
      <div className="card-head">
        <h2>{t('rules.list', { n: rules.length })}</h2>
        {canEditFleet(me.role) && (
          <Link to={`/schedules?hospital=${hospitalId}&rule=new`} className="button primary" data-testid="new-rule">
            {t('rules.new')}
          </Link>
        )}
      </div>
      <table className="table" data-testid="rules-table">
        <thead>
          <tr>
            <th>{t('rules.name')}</th>
            <th>{t('rules.scope')}</th>
            <th>{t('rules.layer')}</th>
            <th>{t('rules.days')}</th>
            <th>{t('rules.dates')}</th>
            <th>{t('rules.windows')}</th>
            <th>{t('rules.priority')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} className={r.id === selected ? 'selected' : ''} data-testid="rule-row" data-name={r.name}>
              <td>
                <Link to={`/schedules?hospital=${hospitalId}&rule=${r.id}`}>{r.name}</Link>
              </td>
              <td>
                {r.scope.kind === 'hospital'
                  ? t('scope.hospital')
                  : r.scope.kind === 'site'
                    ? `${t('scope.site')}: ${sites.find((s) => s.id === (r.scope as { siteId: string }).siteId)?.name ?? '?'}`
                    : t('scope.kiosksN', { n: r.scope.kioskIds.length })}
              </td>
              <td>{t(`layer.${r.layer}` as MessageKey)}</td>
              <td>
                <DaysText days={r.days} />
              </td>
              <td>{r.from || r.until ? `${r.from ?? '…'} – ${r.until ?? '…'}` : '—'}</td>
              <td>
                {r.windows.length ? r.windows.map((w) => `${w.start}–${w.end}`).join(', ') : t('rules.offAllDay')}
              </td>
              <td>{r.priority}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DaysText({ days }: { days: number[] | null }) {
  const { t } = useI18n();
  if (!days) return <>{t('rules.everyDay')}</>;
  return <>{days.map((d) => t(`weekday.${d}` as MessageKey)).join(' ')}</>;
}
