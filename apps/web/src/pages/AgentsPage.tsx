/**
 * The Pi agents of a site: online or not, last heartbeat, version, clock skew,
 * buffered readings, and why an agent is offline (no heartbeat since, token
 * revoked by whom, token refused: re-enrol); create an enrolment code (shown once,
 * with the install command), re-enrol an agent in place, revoke its token.
 */
import { useEffect, useState } from 'react';
import { AgentConnection, AgentView, api, EnrolmentCode } from '../api/client';
import { ErrorNote, Loading, refusalText, SitePicker } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n } from '../i18n';
import { setQueryParam, useRoute } from '../router';
import { isOps, useSession } from '../session';

export default function AgentsPage() {
  const { t, ago, dateTime } = useI18n();
  const toast = useToast();
  const { me, hospitals, sites } = useSession();
  const { query } = useRoute();
  // Only a site the session knows: the URL's value never becomes part of a request path.
  const site = sites.find((s) => s.id === query.get('site')) ?? sites[0];
  const siteId = site?.id ?? '';
  const [agents, setAgents] = useState<AgentView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [code, setCode] = useState<EnrolmentCode | null>(null);
  useEffect(() => {
    setAgents(null);
    setError(null);
    api.agents(siteId).then((p) => setAgents(p.items), setError);
  }, [siteId, version]);
  useEffect(() => setCode(null), [siteId]);
  // Online means a heartbeat in the last 90 s: refresh so the page does not go stale.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  const createCode = async () => {
    try {
      setCode(await api.createEnrolmentCode(siteId));
    } catch (err) {
      toast(refusalText(err, t), 'error');
    }
  };
  const reenrol = async (a: AgentView) => {
    if (!window.confirm(t('agents.confirmReenrol', { name: a.name }))) return;
    try {
      setCode(await api.reenrolAgent(a.id));
      window.scrollTo({ top: 0 });
    } catch (err) {
      toast(refusalText(err, t), 'error');
    }
  };
  const revoke = async (a: AgentView) => {
    if (!window.confirm(t('agents.confirmRevoke', { name: a.name }))) return;
    try {
      await api.revokeAgent(a.id);
      toast(t('agents.revoked', { name: a.name }));
      setVersion((v) => v + 1);
    } catch (err) {
      toast(refusalText(err, t), 'error');
    }
  };
  const skew = (ms: number | null) => (ms === null ? '—' : `${ms > 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`);

  return (
    <section>
      <div className="page-head">
        <h1>{t('agents.title')}</h1>
        <SitePicker hospitals={hospitals} sites={sites} value={siteId} onChange={(id) => setQueryParam('site', id)} />
      </div>
      {isOps(me.role) && (
        <div className="card">
          <div className="card-head">
            <h2>{t('agents.enrol')}</h2>
            <button className="primary" onClick={createCode} data-testid="create-enrolment-code">
              {t('agents.createCode')}
            </button>
          </div>
          <p className="hint">{t('agents.enrolHint', { site: site?.name ?? '' })}</p>
          {code && (
            <div className="secret" data-testid="enrolment-code" data-agent={code.agentId ?? ''}>
              {code.agentId && (
                <p data-testid="reenrol-for">
                  {t('agents.reenrolFor', { name: agents?.find((a) => a.id === code.agentId)?.name ?? code.agentId })}
                </p>
              )}
              <p>
                <strong>{t('agents.codeOnce')}</strong> {t('agents.expires', { at: dateTime(code.expiresAt) })}
              </p>
              <p className="code-big">
                <code>{code.code}</code>
              </p>
              <p>{t('agents.installCommand')}</p>
              <pre>
                <code>{code.installCommand}</code>
              </pre>
              <button
                onClick={() =>
                  navigator.clipboard?.writeText(code.installCommand).then(() => toast(t('common.copied')))
                }
              >
                {t('common.copy')}
              </button>
            </div>
          )}
        </div>
      )}
      <ErrorNote error={error} />
      {!agents && !error && <Loading />}
      {agents && (
        <div className="card">
          <table className="table" data-testid="agents-table">
            <thead>
              <tr>
                <th>{t('agents.name')}</th>
                <th>{t('agents.status')}</th>
                <th>{t('agents.lastHeartbeat')}</th>
                <th>{t('agents.version')}</th>
                <th>{t('agents.skew')}</th>
                <th>{t('agents.buffered')}</th>
                <th>{t('agents.subnets')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr
                  key={a.id}
                  data-testid="agent-row"
                  data-name={a.name}
                  data-online={a.online}
                  data-state={a.connection?.state ?? ''}
                >
                  <td>
                    <strong>{a.name}</strong>
                    <div className="muted small">{a.location}</div>
                  </td>
                  <td>
                    <span className={`pill ${a.online ? 'up' : 'down'}`}>
                      {a.online ? t('agents.online') : t('agents.offline')}
                    </span>
                    {a.connection && a.connection.state !== 'online' && (
                      <div className="small agent-reason" data-testid="agent-reason">
                        <ConnectionReason connection={a.connection} timeZone={site?.timeZone} />
                      </div>
                    )}
                  </td>
                  <td title={a.lastHeartbeatAt ? dateTime(a.lastHeartbeatAt) : ''}>{ago(a.lastHeartbeatAt)}</td>
                  <td>{a.version ?? '—'}</td>
                  <td className={a.clockSkewMs !== null && Math.abs(a.clockSkewMs) > 2000 ? 'warn' : ''}>
                    {skew(a.clockSkewMs)}
                  </td>
                  <td>{a.bufferedCount ?? '—'}</td>
                  <td className="small">{a.subnets.join(', ')}</td>
                  <td>
                    {isOps(me.role) && (
                      <div className="actions">
                        <button onClick={() => reenrol(a)} data-testid="reenrol">
                          {t('agents.reenrol')}
                        </button>
                        {a.enrolled && (
                          <button className="danger" onClick={() => revoke(a)} data-testid="revoke">
                            {t('agents.revoke')}
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {agents.length === 0 && <p className="empty">{t('agents.none')}</p>}
        </div>
      )}
    </section>
  );
}

/** Why the agent is not online, in words ops can act on. */
function ConnectionReason({ connection: c, timeZone }: { connection: Exclude<AgentConnection, { state: 'online' }>; timeZone?: string }) {
  const { t, dateTime } = useI18n();
  switch (c.state) {
    case 'not_enrolled':
      return <span className="muted">{t('agents.notEnrolled')}</span>;
    case 'offline':
      return (
        <span className="muted">
          {c.lastHeartbeatAt ? t('agents.noHeartbeatSince', { at: dateTime(c.lastHeartbeatAt, timeZone) }) : t('agents.neverHeartbeat')}
        </span>
      );
    case 'revoked':
      return (
        <span className="warn">
          {t('agents.tokenRevokedAt', { at: dateTime(c.at, timeZone), by: c.by ?? '?' })}
          {c.refusals > 0 && ` · ${t('agents.stillTrying', { n: c.refusals })}`}
        </span>
      );
    case 'refused':
      return <span className="warn">{t('agents.tokenRefused', { n: c.refusals, since: dateTime(c.since, timeZone) })}</span>;
  }
}
