/**
 * The rule's impact on every kiosk of its scope, on its own dates: how many follow
 * it, which escape it (the winning rule and why) with a one-click way to include
 * them, and the hours on before and after.
 */
import type { HoursOn, RuleImpact } from '../../api/client';
import { useI18n, type MessageKey } from '../../i18n';
import { useServerText } from '../../server-text';

/**
 * Which escaping kiosks "include" takes: those the user ticked; by default those
 * held by their everyday (regular) hours, the trap of a holiday override, and not
 * those held by another override of these dates (most likely a deliberate exception,
 * like the kiosks on duty during a festival).
 */
export function kioskIdsToInclude(impact: RuleImpact, ticked: Record<string, boolean>): string[] {
  const listed = new Map(impact.escaping.map((e) => [e.kioskId, e]));
  return (impact.include?.kioskIds ?? []).filter((id) => {
    const e = listed.get(id);
    return ticked[id] ?? (e ? e.winner.layer === 'regular' : true);
  });
}

export function RuleImpactPanel({
  impact,
  ruleName,
  ticked,
  onTick,
  onInclude,
  including,
  readOnly,
}: {
  impact: RuleImpact;
  ruleName: string;
  ticked: Record<string, boolean>;
  onTick(kioskId: string, on: boolean): void;
  onInclude(): void;
  including: boolean;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const serverText = useServerText();
  const { dates, include } = impact;
  const chosen = new Set(kioskIdsToInclude(impact, ticked));
  const hours = (h: HoursOn) =>
    h.windows === null
      ? t('rules.unmanaged')
      : h.windows.length === 0
        ? t('rules.offAllDay')
        : `${h.windows.map((w) => `${w.start}–${w.end}`).join(', ')} (${t('rules.hoursN', { hours: h.hours })})`;
  return (
    <section
      className="impact"
      data-testid="rule-impact"
      data-escaping={impact.escapingTotal}
      data-governed={impact.governed}
    >
      <h3>{t('rules.impact')}</h3>
      {dates.length === 0 ? (
        <p className="muted">{t('rules.impactNoDates')}</p>
      ) : (
        <p className="muted" data-testid="impact-dates">
          {t('rules.impactDates', { first: dates[0], last: dates[dates.length - 1], n: dates.length })}{' '}
          {impact.datesTruncated && t('rules.impactDatesMore', { n: dates.length })}
        </p>
      )}
      <p data-testid="impact-summary">
        {t('rules.impactGoverned', { governed: impact.governed, total: impact.scopeKiosks })}{' '}
        {impact.governedByOtherRules > 0 && t('rules.impactGovernedElsewhere', { n: impact.governedByOtherRules })}{' '}
        {impact.escapingTotal === 0 && <strong data-testid="impact-none-escape">{t('rules.impactNoneEscape')}</strong>}
      </p>

      {impact.escapingTotal > 0 && (
        <div className="notice" data-testid="impact-escaping">
          <p>
            <strong>{t('rules.impactEscaping', { n: impact.escapingTotal })}</strong>{' '}
            {impact.escaping.length < impact.escapingTotal &&
              t('rules.impactEscapingMore', { shown: impact.escaping.length, n: impact.escapingTotal })}
          </p>
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  {include && !readOnly && <th aria-label={t('rules.includeColumn')} />}
                  <th>{t('rules.impactKiosk')}</th>
                  <th>{t('rules.impactSite')}</th>
                  <th>{t('rules.impactWinner')}</th>
                  <th>{t('rules.impactReason')}</th>
                  <th>{t('rules.impactLostDates')}</th>
                </tr>
              </thead>
              <tbody>
                {impact.escaping.map((e) => (
                  <tr key={e.kioskId} data-testid="escaping-kiosk" data-code={e.code} data-winner={e.winner.name}>
                    {include && !readOnly && (
                      <td>
                        <input
                          type="checkbox"
                          disabled={!e.includable}
                          checked={chosen.has(e.kioskId)}
                          onChange={(ev) => onTick(e.kioskId, ev.target.checked)}
                          aria-label={t('rules.includeKiosk', { code: e.code })}
                          data-testid="include-kiosk"
                        />
                      </td>
                    )}
                    <td>
                      {e.code} <span className="muted">{e.name}</span>
                    </td>
                    <td>{e.site.name}</td>
                    <td>
                      {e.winner.name}{' '}
                      <span className="muted">
                        · {t(`scope.${e.winner.scopeKind}` as MessageKey)} ·{' '}
                        {t(`layer.${e.winner.layer}` as MessageKey)}
                      </span>
                    </td>
                    <td className="small" title={serverText.reason(e)}>
                      {t(
                        (e.decidedBy === 'scope'
                          ? `rules.lossBy.scope.${e.winner.scopeKind}`
                          : `rules.lossBy.${e.decidedBy}`) as MessageKey,
                        { winner: e.winner.name, priority: e.winner.priority },
                      )}
                      {!e.includable && <div className="muted">{t('rules.notIncludable')}</div>}
                    </td>
                    <td className="small">{e.dates.length === dates.length ? dates.length : e.dates.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {include && !readOnly && (
            <div className="include">
              <button
                type="button"
                className="primary"
                onClick={onInclude}
                disabled={including || chosen.size === 0}
                data-testid="include-escaping"
              >
                {t('rules.include', { n: chosen.size })}
              </button>
              <p className="hint" data-testid="include-explain">
                {t('rules.includeExplain', {
                  layer: t(`layer.${include.layer}` as MessageKey),
                  name: t('rules.includeName', { name: ruleName || t('rules.untitled') }),
                  n: chosen.size,
                  priority: include.priority,
                })}{' '}
                {t('rules.includeDefault')}
              </p>
            </div>
          )}
        </div>
      )}

      {impact.comparison.length > 0 && (
        <div className="table-scroll">
          <table className="table compare" data-testid="impact-compare">
            <caption>{t('rules.compare')}</caption>
            <thead>
              <tr>
                <th>{t('rules.compareDate')}</th>
                <th>{t('rules.compareKiosks')}</th>
                <th>{t('rules.compareBefore')}</th>
                <th>{t('rules.compareAfter')}</th>
              </tr>
            </thead>
            <tbody>
              {impact.comparison.map((d) => (
                <tr key={d.date} data-testid="compare-day" data-date={d.date}>
                  <td>{d.date}</td>
                  <td>{d.governed}</td>
                  <td>
                    {d.before.map((b) => (
                      <div key={b.rule?.id ?? 'none'}>
                        {hours(b)}{' '}
                        <span className="muted">
                          {b.rule ? `· ${b.rule.name}` : ''} · {b.kiosks}
                        </span>
                      </div>
                    ))}
                  </td>
                  <td data-testid="compare-after">{d.governed ? hours(d.after) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
