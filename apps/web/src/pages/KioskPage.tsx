/**
 * One kiosk: details, the effective schedule of the next 7 days, liveness history,
 * dispatches, the remote screen button and the edit form (staff and up).
 */
import { FormEvent, useEffect, useState } from 'react';
import { api, ApiRequestError, Kiosk, KIOSK_KINDS, KioskSchedule, LivenessEvent, Site } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { ScheduleTimeline } from '../components/ScheduleTimeline';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { Link } from '../router';
import { canEditFleet, useSession } from '../session';

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
          <button disabled title={t('kiosk.screenUnavailable')} data-testid="screen-button">
            {t('kiosk.screen')}
          </button>
          <span className="muted small">{t('kiosk.screenUnavailable')}</span>
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
        <p className="muted" data-testid="dispatches-unavailable">
          {t('common.notAvailableYet')}
        </p>
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

function Liveness({ kioskId, site }: { kioskId: string; site?: Site }) {
  const { t, dateTime } = useI18n();
  const [events, setEvents] = useState<LivenessEvent[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => {
    api.kioskLiveness(kioskId).then(
      (r) => setEvents(r.items ?? []),
      () => setUnavailable(true),
    );
  }, [kioskId]);
  useLiveEvent<{ kioskId: string; observed: 'up' | 'down'; observedAt: string }>('kiosk.liveness', (m) => {
    if (m.kioskId === kioskId) setEvents((list) => [{ observed: m.observed, observedAt: m.observedAt }, ...(list ?? [])]);
  });
  return (
    <div className="card">
      <h2>{t('kiosk.liveness')}</h2>
      {unavailable ? (
        <p className="muted">{t('common.notAvailableYet')}</p>
      ) : !events ? (
        <Loading />
      ) : events.length === 0 ? (
        <p className="muted">{t('kiosk.noLiveness')}</p>
      ) : (
        <ul className="liveness" data-testid="liveness">
          {events.slice(0, 30).map((e, i) => {
            const observed = e.observed ?? (e.up === undefined ? 'unknown' : e.up ? 'up' : 'down');
            const at = e.observedAt ?? e.at;
            return (
              <li key={i}>
                <span className={`dot ${observed}`} /> {t(`observed.${observed}` as MessageKey)} · {at ? dateTime(at, site?.timeZone) : '—'}
                {e.agentName && <span className="muted"> · {e.agentName}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

type KioskDraft = { name: string; kind: Kiosk['kind']; location: string; ip: string; mac: string; subnet: string; vncPort: string };

function KioskForm({ kiosk, onDone }: { kiosk: Kiosk; onDone(k: Kiosk | null): void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [draft, setDraft] = useState<KioskDraft>({
    name: kiosk.name,
    kind: kiosk.kind,
    location: kiosk.location,
    ip: kiosk.ip ?? '',
    mac: kiosk.mac,
    subnet: kiosk.subnet ?? '',
    vncPort: String(kiosk.vncPort),
  });
  const [fieldError, setFieldError] = useState<{ field?: string; message: string } | null>(null);
  const set = (k: keyof KioskDraft) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    try {
      const saved = await api.updateKiosk(kiosk.id, {
        name: draft.name,
        kind: draft.kind,
        location: draft.location,
        ip: draft.ip.trim() || null,
        mac: draft.mac,
        subnet: draft.subnet.trim() || null,
        vncPort: Number(draft.vncPort),
      });
      toast(t('common.savedAudited'));
      onDone(saved);
    } catch (err) {
      if (err instanceof ApiRequestError) setFieldError({ field: err.error.field, message: err.error.message });
      else setFieldError({ message: t('common.unreachable') });
    }
  };
  const err = (field: string) =>
    fieldError?.field === field ? (
      <span className="field-error" role="alert" data-testid={`error-${field}`}>
        {fieldError.message}
      </span>
    ) : null;
  const input = (field: keyof KioskDraft, label: string) => (
    <label className="field">
      {label}
      <input value={draft[field]} onChange={set(field)} name={field} aria-invalid={fieldError?.field === field} />
      {err(field)}
    </label>
  );
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
      {input('ip', 'IP')}
      {input('mac', 'MAC')}
      {input('subnet', t('kiosk.subnet'))}
      {input('vncPort', t('kiosk.vncPort'))}
      {fieldError && !['name', 'location', 'ip', 'mac', 'subnet', 'vncPort'].includes(fieldError.field ?? '') && (
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
