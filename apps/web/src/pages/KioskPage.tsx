/**
 * One kiosk: details, the effective schedule of the next 7 days, liveness history,
 * dispatches, the remote screen button and the edit form (staff and up).
 */
import { FormEvent, useEffect, useState } from 'react';
import {
  api,
  ApiRequestError,
  Kiosk,
  KIOSK_KINDS,
  KioskLiveness,
  KioskLivenessMessage,
  KioskSchedule,
  Site,
} from '../api/client';
import { ErrorNote, fieldRefusal, Loading } from '../components/common';
import { DispatchHistory } from '../components/DispatchHistory';
import { PowerActions } from '../components/PowerActions';
import { ScheduleTimeline } from '../components/ScheduleTimeline';
import { ScreenButton } from '../components/ScreenButton';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent, useLivePoll } from '../live';
import { Link } from '../router';
import { canChangeKioskNetwork, canEditFleet, useSession } from '../session';

export default function KioskPage({ kioskId }: { kioskId: string }) {
  const { t } = useI18n();
  const { me, sites, hospitals } = useSession();
  const [kiosk, setKiosk] = useState<Kiosk | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    api.kiosk(kioskId).then(setKiosk, setError);
  }, [kioskId]);
  if (error) return <ErrorNote error={error} />;
  if (!kiosk) return <Loading />;
  const site = sites.find((s) => s.id === kiosk.siteId);
  const hospital = hospitals.find((h) => h.id === kiosk.hospitalId);
  return (
    <section>
      <p className="crumbs">
        <Link to={`/fleet?site=${kiosk.siteId}`}>
          {hospital?.name} · {site?.name}
        </Link>
      </p>
      <div className="page-head">
        <h1 data-testid="kiosk-title">
          {kiosk.code} <span className="muted">{kiosk.name}</span>
        </h1>
        <div className="actions">
          <PowerActions target={{ kioskIds: [kiosk.id] }} count={1} testId="power-kiosk" />
          <ScreenButton kiosk={kiosk} />
          {canEditFleet(me.role) && !editing && (
            <button onClick={() => setEditing(true)} data-testid="edit-kiosk">
              {t('common.edit')}
            </button>
          )}
        </div>
      </div>
      <div className="two-col">
        <div className="card">
          <h2>{t('kiosk.details')}</h2>
          {editing ? (
            <KioskForm
              kiosk={kiosk}
              onDone={(k) => {
                if (k) setKiosk(k);
                setEditing(false);
              }}
            />
          ) : (
            <dl className="details">
              <dt>{t('kiosk.kind')}</dt>
              <dd>{t(`kind.${kiosk.kind}` as MessageKey)}</dd>
              <dt>{t('kiosk.location')}</dt>
              <dd>{kiosk.location || '—'}</dd>
              <dt>{t('kiosk.notes')}</dt>
              <dd className="notes">{kiosk.notes || '—'}</dd>
              <dt>IP</dt>
              <dd>{kiosk.ip ?? '—'}</dd>
              <dt>MAC</dt>
              <dd>
                <code>{kiosk.mac}</code>
              </dd>
              <dt>{t('kiosk.subnet')}</dt>
              <dd>{kiosk.subnet ?? '—'}</dd>
              <dt>{t('kiosk.vncPort')}</dt>
              <dd>{kiosk.vncPort}</dd>
              <dt>{t('kiosk.shutdownMethod')}</dt>
              <dd>{kiosk.shutdownMethod ? <code>{kiosk.shutdownMethod}</code> : '—'}</dd>
              <dt>{t('common.timeZone')}</dt>
              <dd>{site?.timeZone}</dd>
            </dl>
          )}
        </div>
        <Liveness kioskId={kiosk.id} site={site} />
      </div>
      <div className="card">
        <h2>{t('kiosk.schedule')}</h2>
        <KioskScheduleView kioskId={kiosk.id} />
      </div>
      <div className="card">
        <h2>{t('kiosk.dispatches')}</h2>
        <DispatchHistory siteId={kiosk.siteId} load={() => api.kioskDispatches(kiosk.id, 20)} testId="kiosk-dispatches" />
      </div>
    </section>
  );
}

function KioskScheduleView({ kioskId }: { kioskId: string }) {
  const [schedule, setSchedule] = useState<KioskSchedule | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.kioskSchedule(kioskId, 7).then(setSchedule, setError);
  }, [kioskId]);
  if (error) return <ErrorNote error={error} />;
  if (!schedule) return <Loading />;
  return <ScheduleTimeline schedule={schedule} testId="kiosk-schedule" />;
}

/**
 * The state now as each agent of the site sees it, then the history of changes
 * (from the API, and live as agents report them).
 */
function Liveness({ kioskId, site }: { kioskId: string; site?: Site }) {
  const { t, dateTime, ago } = useI18n();
  const [now, setNow] = useState<KioskLiveness | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [changes, setChanges] = useState<{ observed: 'up' | 'down' | 'unknown'; observedAt: string }[]>([]);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.kioskLiveness(kioskId).then(setNow, setError);
    // First load: live changes heard meanwhile come first. A poll (no live updates) replaces the list.
    api.kioskLivenessHistory(kioskId).then((h) => setChanges((live) => [...(version ? [] : live), ...h.changes].slice(0, 50)), setError);
  }, [kioskId, version]);
  useLivePoll(() => setVersion((v) => v + 1));
  useLiveEvent<KioskLivenessMessage>('kiosk.liveness', (m) => {
    if (m.kioskId === kioskId)
      setChanges((list) => [{ observed: m.observed, observedAt: m.observedAt }, ...list].slice(0, 50));
  });
  const observed = changes[0]?.observed ?? (now ? (now.up === null ? 'unknown' : now.up ? 'up' : 'down') : 'unknown');
  return (
    <div className="card">
      <h2>{t('kiosk.liveness')}</h2>
      <ErrorNote error={error} />
      {!now && !error && <Loading />}
      {now && (
        <>
          <p data-testid="kiosk-observed" data-observed={observed}>
            <span className={`dot ${observed}`} /> <strong>{t(`observed.${observed}` as MessageKey)}</strong>
            {now.observedAt && (
              <span className="muted"> · {dateTime(changes[0]?.observedAt ?? now.observedAt, site?.timeZone)}</span>
            )}
          </p>
          {now.agents.length === 0 ? (
            <p className="muted">{t('kiosk.noLiveness')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('agents.name')}</th>
                  <th>{t('fleet.state')}</th>
                  <th>{t('kiosk.probe')}</th>
                  <th>{t('kiosk.observedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {now.agents.map((a) => (
                  <tr key={a.agentId} className={a.fresh ? '' : 'muted'}>
                    <td>{a.agentName}</td>
                    <td>
                      <span className={`dot ${a.up ? 'up' : 'down'}`} /> {a.up ? t('observed.up') : t('observed.down')}
                      {!a.fresh && <span className="small"> ({t('kiosk.stale')})</span>}
                    </td>
                    <td className="small">
                      {a.method}
                      {a.latencyMs !== null && ` · ${a.latencyMs} ms`}
                    </td>
                    <td title={dateTime(a.observedAt, site?.timeZone)}>{ago(a.observedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t('kiosk.changesLive')}</h3>
          {changes.length === 0 ? (
            <p className="muted small">{t('kiosk.noChangesYet')}</p>
          ) : (
            <ul className="liveness" data-testid="liveness-changes">
              {changes.map((c, i) => (
                <li key={i}>
                  <span className={`dot ${c.observed}`} /> {t(`observed.${c.observed}`)} ·{' '}
                  {dateTime(c.observedAt, site?.timeZone)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

type KioskDraft = {
  name: string;
  kind: Kiosk['kind'];
  location: string;
  notes: string;
  ip: string;
  mac: string;
  subnet: string;
  vncPort: string;
  shutdownMethod: string;
};

/** Fields that reach the network (DESIGN.md "Trust boundaries"): read-only to staff. */
const NETWORK_FIELDS = ['ip', 'mac', 'subnet', 'vncPort', 'shutdownMethod'] as const;

function KioskForm({ kiosk, onDone }: { kiosk: Kiosk; onDone(k: Kiosk | null): void }) {
  const { t, locale } = useI18n();
  const toast = useToast();
  const { me } = useSession();
  const network = canChangeKioskNetwork(me.role);
  const [draft, setDraft] = useState<KioskDraft>({
    name: kiosk.name,
    kind: kiosk.kind,
    location: kiosk.location,
    notes: kiosk.notes,
    ip: kiosk.ip ?? '',
    mac: kiosk.mac,
    subnet: kiosk.subnet ?? '',
    vncPort: String(kiosk.vncPort),
    shutdownMethod: kiosk.shutdownMethod ?? '',
  });
  const [fieldError, setFieldError] = useState<{ field?: string; message: string } | null>(null);
  const set = (k: keyof KioskDraft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [k]: e.target.value });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    try {
      const description = { name: draft.name, kind: draft.kind, location: draft.location, notes: draft.notes };
      const saved = await api.updateKiosk(
        kiosk.id,
        network
          ? {
              ...description,
              ip: draft.ip.trim() || null,
              mac: draft.mac,
              subnet: draft.subnet.trim() || null,
              vncPort: Number(draft.vncPort),
              shutdownMethod: draft.shutdownMethod.trim() || null,
            }
          : description,
      );
      toast(t('common.savedAudited'));
      onDone(saved);
    } catch (err) {
      if (err instanceof ApiRequestError) setFieldError({ field: err.error.field, message: fieldRefusal(err, t, locale) });
      else setFieldError({ message: t('common.unreachable') });
    }
  };
  const err = (field: string) =>
    fieldError?.field === field ? (
      <span className="field-error" role="alert" data-testid={`error-${field}`}>
        {fieldError.message}
      </span>
    ) : null;
  const input = (field: keyof KioskDraft, label: string) => {
    const readOnly = !network && (NETWORK_FIELDS as readonly string[]).includes(field);
    return (
      <label className="field">
        {label}
        <input
          value={draft[field]}
          onChange={set(field)}
          name={field}
          readOnly={readOnly}
          title={readOnly ? t('kiosk.setByOps') : undefined}
          aria-invalid={fieldError?.field === field}
        />
        {err(field)}
      </label>
    );
  };
  return (
    <form onSubmit={save} data-testid="kiosk-form">
      {input('name', t('kiosk.name'))}
      <label className="field">
        {t('kiosk.kind')}
        <select value={draft.kind} onChange={set('kind')} name="kind">
          {KIOSK_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kind.${k}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {input('location', t('kiosk.location'))}
      <label className="field">
        {t('kiosk.notes')}
        <textarea value={draft.notes} onChange={set('notes')} name="notes" rows={3} maxLength={1000} />
        {err('notes')}
      </label>
      <fieldset className="network-fields" data-testid="kiosk-network-fields">
        <legend>{network ? t('kiosk.network') : `${t('kiosk.network')} · ${t('kiosk.setByOps')}`}</legend>
        {input('ip', 'IP')}
        {input('mac', 'MAC')}
        {input('subnet', t('kiosk.subnet'))}
        {input('vncPort', t('kiosk.vncPort'))}
        {input('shutdownMethod', t('kiosk.shutdownMethod'))}
      </fieldset>
      {fieldError && !['name', 'location', 'notes', ...NETWORK_FIELDS].includes(fieldError.field ?? '') && (
        <p className="error" role="alert">
          {fieldError.message}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
