/**
 * Who did what, newest first: each wake or shutdown (the schedule's, or asked for
 * by whom), the command each agent got with when it started and its result or
 * error, and each verification with what it observed. Times in the site's zone,
 * the zone shown; refreshed when the site's dispatches change.
 */
import { useEffect, useState } from 'react';
import type { Dispatch, DispatchPage } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { useRefresh } from '../refresh';
import { useServerText } from '../server-text';
import { Link } from '../router';
import { ErrorNote, Loading } from './common';

export function DispatchHistory({
  siteId,
  load,
  showKiosk = false,
  testId,
}: {
  siteId: string;
  load(): Promise<DispatchPage>;
  showKiosk?: boolean;
  testId: string;
}) {
  const { t } = useI18n();
  const [page, setPage] = useState<DispatchPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (p) => current && setPage(p),
      (e) => current && setError(e),
    );
    return () => {
      current = false;
    };
    // `load` is a new function each render; what it loads changes with the site and the version.
  }, [siteId, version]);
  // Once per burst of the site's dispatch events (a mass wake's reports arrive together).
  const reload = useRefresh(() => setVersion((v) => v + 1), { everyMs: 60_000 });
  useLiveEvent<{ siteId: string }>('dispatch.updated', (m) => {
    if (m.siteId === siteId) reload();
  });
  if (error) return <ErrorNote error={error} />;
  if (!page) return <Loading />;
  if (page.items.length === 0) return <p className="muted">{t('dispatch.none')}</p>;
  return (
    <>
      <p className="muted small">{t('fleet.zone', { zone: page.timeZone })}</p>
      <table className="table dispatch-history" data-testid={testId}>
        <thead>
          <tr>
            <th>{t('dispatch.plannedAt')}</th>
            {showKiosk && <th>{t('dispatch.kiosk')}</th>}
            <th>{t('dispatch.action')}</th>
            <th>{t('dispatch.source')}</th>
            <th>{t('dispatch.status')}</th>
            <th>{t('dispatch.agents')}</th>
            <th>{t('dispatch.verification')}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((d) => (
            <DispatchRow key={d.id} d={d} timeZone={page.timeZone} showKiosk={showKiosk} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function DispatchRow({ d, timeZone, showKiosk }: { d: Dispatch; timeZone: string; showKiosk: boolean }) {
  const { t, dateTime, time } = useI18n();
  const serverText = useServerText();
  return (
    <tr data-testid="dispatch-row" data-status={d.status} data-source={d.source} data-action={d.action}>
      <td>{dateTime(d.plannedAt, timeZone)}</td>
      {showKiosk && (
        <td>
          <Link to={`/kiosks/${d.kioskId}`}>{d.kiosk?.code ?? d.kioskId}</Link>
        </td>
      )}
      <td>{t(`dispatch.action.${d.action}` as MessageKey)}</td>
      <td data-testid="dispatch-source">
        {d.source === 'manual' ? t('dispatch.byUser', { user: d.requestedBy ?? '?' }) : t('dispatch.bySchedule')}
      </td>
      <td>
        <span className={`badge status-${d.status}`}>{t(`dispatch.status.${d.status}` as MessageKey)}</span>
        {d.outcome && <div className="small muted" data-testid="dispatch-outcome">{serverText.outcome(d, timeZone)}</div>}
      </td>
      <td className="small" data-testid="dispatch-agents">
        {d.commands.length === 0
          ? '—'
          : d.commands.map((c) => (
              <div key={`${c.commandId}|${c.agentId}`} data-testid="dispatch-command">
                <strong>{c.agentName ?? c.agentId}</strong>
                {c.attempt > 0 && <span className="muted"> #{c.attempt + 1}</span>} ·{' '}
                {c.result ? (
                  <>
                    {t('dispatch.startedAt', { at: time(c.result.startedAt, timeZone) })} ·{' '}
                    {c.result.ok === false || c.result.status === 'failed' ? (
                      <AgentError error={c.result.error} />
                    ) : (
                      t('dispatch.resultDone')
                    )}
                  </>
                ) : c.cancelledAt ? (
                  t('dispatch.commandCancelled')
                ) : (
                  <span className="muted">{t('dispatch.noReportYet', { at: time(c.issuedAt, timeZone) })}</span>
                )}
              </div>
            ))}
      </td>
      <td className="small">
        {d.verifications.length === 0
          ? '—'
          : d.verifications.map((v, i) => (
              <div key={i}>
                {t('dispatch.verifyAfter', { n: Math.round(v.afterS / 60) })} · {t(`observed.${v.observed}` as MessageKey)}
                {v.ok ? ' ✓' : ''}
                {v.action !== 'none' && ` (${t(`dispatch.verify.${v.action}` as MessageKey)})`}
              </div>
            ))}
      </td>
    </tr>
  );
}

/** What the agent reported for the kiosk: its code in the user's language, its own diagnostic apart, in English. */
function AgentError({ error }: { error: string | null }) {
  const { t } = useI18n();
  const serverText = useServerText();
  if (!error) return <span className="error-text">{t('dispatch.resultFailed')}</span>;
  const e = serverText.agentError(error);
  return (
    <span className="error-text" data-testid="agent-error">
      {e.text}
      {e.code && (
        <>
          {' '}
          <code>{e.code}</code>
        </>
      )}
      {e.detail && (
        <span className="muted" lang="en">
          {' '}
          ({e.detail})
        </span>
      )}
    </span>
  );
}
