/**
 * Who did what, newest first: each wake or shutdown (the schedule's, or asked for
 * by whom), the command each agent got with when it started and its result or
 * error, and each verification with what it observed; among them, in time order,
 * what agents did from their cached plan while cut off from the API, marked as
 * done offline by them. Times in the site's zone, the zone shown; refreshed when
 * the site's dispatches change.
 */
import { useEffect, useState } from 'react';
import type { Dispatch, DispatchPage, OfflineDispatch } from '../api/client';
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
  const offline = page.offlineActions ?? [];
  if (page.items.length === 0 && offline.length === 0) return <p className="muted">{t('dispatch.none')}</p>;
  // Newest first, as the server orders each list (ISO instants in UTC compare as strings).
  const rows = [
    ...page.items.map((d) => ({ at: d.plannedAt, dispatch: d })),
    ...offline.map((o) => ({ at: o.at, offline: o })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
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
          {rows.map((r) =>
            'dispatch' in r ? (
              <DispatchRow key={r.dispatch.id} d={r.dispatch} timeZone={page.timeZone} showKiosk={showKiosk} />
            ) : (
              <OfflineRow key={`offline|${r.offline.at}|${r.offline.action}`} o={r.offline} timeZone={page.timeZone} showKiosk={showKiosk} />
            ),
          )}
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

/** A wake or shutdown agents did on their own: once per instant, with each agent that did it and when. */
function OfflineRow({ o, timeZone, showKiosk }: { o: OfflineDispatch; timeZone: string; showKiosk: boolean }) {
  const { t, dateTime, time } = useI18n();
  return (
    <tr data-testid="dispatch-offline-row" data-action={o.action}>
      <td>{dateTime(o.at, timeZone)}</td>
      {showKiosk && (
        <td title={o.kiosks.map((k) => k.code ?? k.id).join(', ')}>
          {o.kiosks.length === 1 ? (
            <Link to={`/kiosks/${o.kiosks[0].id}`}>{o.kiosks[0].code ?? o.kiosks[0].id}</Link>
          ) : (
            t('dispatch.offlineKiosks', { n: o.kiosks.length })
          )}
        </td>
      )}
      <td>{t(`dispatch.action.${o.action}` as MessageKey)}</td>
      <td data-testid="dispatch-source">{t('dispatch.offlineBy', { agents: o.agents.map((a) => a.name).join(', ') })}</td>
      <td>
        <span className="badge status-offline">{t('dispatch.status.offline')}</span>
      </td>
      <td className="small" data-testid="dispatch-agents">
        {o.agents.map((a) => (
          <div key={a.id}>
            <strong>{a.name}</strong> · {t('dispatch.startedAt', { at: time(a.executedAt, timeZone) })}
          </div>
        ))}
      </td>
      <td className="small">—</td>
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
