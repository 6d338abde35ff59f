/**
 * Notification channels (ops and admins): where alerts are sent — WeCom and DingTalk
 * group robots, a generic JSON webhook, e-mail — for which hospital, sites and alert
 * kinds, after which grace time; each with a "send test message" button that shows
 * what the receiver answered. A channel's secret is write-only.
 */
import { FormEvent, useEffect, useState } from 'react';
import {
  ALERT_KINDS,
  AlertKind,
  api,
  ApiRequestError,
  CHANNEL_TYPES,
  ChannelInput,
  ChannelTestResult,
  ChannelType,
  NotificationChannel,
} from '../api/client';
import { ErrorNote, fieldRefusal, Loading, refusalText } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { useSession } from '../session';

interface Draft extends Omit<ChannelInput, 'secret'> {
  id?: string;
  /** Typed in the form; empty keeps the stored secret. */
  secret: string;
  removeSecret: boolean;
  secretSet: boolean;
}

const robotLanguage = (type: ChannelType) => (type === 'wecom' || type === 'dingtalk' ? 'zh-CN' : 'en');

export default function NotificationsPage() {
  const { t, ago } = useI18n();
  const toast = useToast();
  const { me, hospitals, sites } = useSession();
  const [channels, setChannels] = useState<NotificationChannel[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [tests, setTests] = useState<Record<string, ChannelTestResult | 'sending'>>({});
  useEffect(() => {
    api.channels().then((r) => setChannels(r.items), setError);
  }, [version]);

  const blank = (): Draft => ({
    hospitalId: hospitals[0]?.id ?? null,
    name: '',
    type: 'wecom',
    target: '',
    secret: '',
    removeSecret: false,
    secretSet: false,
    language: 'zh-CN',
    siteIds: [],
    kinds: [],
    graceSeconds: 120,
    enabled: true,
  });
  const edit = (c: NotificationChannel) => setDraft({ ...c, secret: '', removeSecret: false });
  const hospitalName = (id: string | null) =>
    id === null ? t('notify.allHospitals') : (hospitals.find((h) => h.id === id)?.name ?? id);
  const siteName = (id: string) => sites.find((s) => s.id === id)?.name ?? id;
  const kindLabel = (k: string) => t(`alerts.kind.${k}` as MessageKey);

  const test = async (c: NotificationChannel) => {
    setTests((r) => ({ ...r, [c.id]: 'sending' }));
    try {
      const result = await api.testChannel(c.id);
      setTests((r) => ({ ...r, [c.id]: result }));
    } catch (err) {
      setTests((r) => ({
        ...r,
        [c.id]: {
          ok: false,
          statusCode: null,
          detail: refusalText(err, t),
        },
      }));
    }
    setVersion((v) => v + 1);
  };
  const remove = async (c: NotificationChannel) => {
    if (!window.confirm(t('notify.confirmDelete', { name: c.name }))) return;
    try {
      await api.deleteChannel(c.id);
      toast(t('notify.deleted'));
      setVersion((v) => v + 1);
    } catch (err) {
      toast(refusalText(err, t), 'error');
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>{t('notify.title')}</h1>
        <button className="primary" onClick={() => setDraft(blank())} data-testid="channel-new">
          {t('notify.new')}
        </button>
      </div>
      <p className="muted">{t('notify.intro')}</p>
      <ErrorNote error={error} />
      {!channels && !error && <Loading />}
      {draft && (
        <ChannelEditor
          draft={draft}
          isAdmin={me.role === 'admin'}
          onCancel={() => setDraft(null)}
          onSaved={() => {
            setDraft(null);
            toast(t('notify.saved'));
            setVersion((v) => v + 1);
          }}
        />
      )}
      {channels && (
        <div className="card">
          <table className="table" data-testid="channels-table">
            <thead>
              <tr>
                <th>{t('notify.name')}</th>
                <th>{t('notify.type')}</th>
                <th>{t('notify.routing')}</th>
                <th>{t('notify.grace')}</th>
                <th>{t('notify.lastDelivery')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => {
                const result = tests[c.id];
                return (
                  <tr key={c.id} data-testid="channel-row" data-name={c.name}>
                    <td>
                      <strong>{c.name}</strong>
                      {!c.enabled && <span className="pill unknown"> {t('notify.disabled')}</span>}
                      <div className="small muted">{c.target}</div>
                    </td>
                    <td>{t(`notify.type.${c.type}` as MessageKey)}</td>
                    <td className="small">
                      <div>{hospitalName(c.hospitalId)}</div>
                      <div>{c.siteIds.length ? c.siteIds.map(siteName).join(', ') : t('notify.everySite')}</div>
                      <div>{c.kinds.length ? c.kinds.map(kindLabel).join(', ') : t('notify.everyKind')}</div>
                    </td>
                    <td>{c.graceSeconds}</td>
                    <td className="small">
                      {c.lastDelivery ? (
                        <span className={c.lastDelivery.ok ? '' : 'error'} title={c.lastDelivery.detail}>
                          {ago(c.lastDelivery.at)} · {c.lastDelivery.detail}
                        </span>
                      ) : (
                        t('common.never')
                      )}
                    </td>
                    <td>
                      <div className="actions">
                        <button onClick={() => test(c)} disabled={result === 'sending'} data-testid="channel-test">
                          {t('notify.test')}
                        </button>
                        <button onClick={() => edit(c)} data-testid="channel-edit">
                          {t('common.edit')}
                        </button>
                        <button onClick={() => remove(c)} data-testid="channel-delete">
                          {t('common.delete')}
                        </button>
                      </div>
                      {result && result !== 'sending' && (
                        <div
                          className={`small ${result.ok ? '' : 'error'}`}
                          role="status"
                          data-testid="channel-test-result"
                          data-ok={result.ok}
                        >
                          {t(result.ok ? 'notify.testOk' : 'notify.testFailed', { detail: result.detail })}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {channels.length === 0 && <p className="empty">{t('notify.none')}</p>}
        </div>
      )}
    </section>
  );
}

function ChannelEditor({
  draft: initial,
  isAdmin,
  onCancel,
  onSaved,
}: {
  draft: Draft;
  isAdmin: boolean;
  onCancel(): void;
  onSaved(): void;
}) {
  const { t, locale } = useI18n();
  const { hospitals, sites } = useSession();
  const [d, setD] = useState<Draft>(initial);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<Draft>) => setD((old) => ({ ...old, ...change }));
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const hospitalSites = sites.filter((s) => s.hospitalId === d.hospitalId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    const { id, secret, removeSecret, hospitalId } = d;
    // Only what the API takes: the draft of a stored channel also holds its id, last delivery and dates.
    const fields = {
      name: d.name,
      type: d.type,
      target: d.target,
      language: d.language,
      siteIds: d.siteIds,
      kinds: d.kinds,
      graceSeconds: d.graceSeconds,
      enabled: d.enabled,
    };
    const secretChange = removeSecret ? { secret: null } : secret ? { secret } : {};
    try {
      if (id) await api.updateChannel(id, { ...fields, ...secretChange });
      else await api.createChannel({ ...fields, hospitalId, ...secretChange });
      onSaved();
    } catch (err) {
      if (err instanceof ApiRequestError) setError(err);
      else setError(new ApiRequestError(0, { code: 'UNREACHABLE', message: t('common.unreachable') }));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string) =>
    error?.error.field === field ? (
      <span className="field-error" role="alert" data-testid={`error-${field}`}>
        {fieldRefusal(error, t, locale)}
      </span>
    ) : null;

  return (
    <form
      className="card"
      onSubmit={submit}
      data-testid="channel-editor"
      aria-label={d.id ? t('notify.edit', { name: d.name }) : t('notify.new')}
    >
      <h2>{d.id ? t('notify.edit', { name: initial.name }) : t('notify.new')}</h2>
      <div className="field-row">
        <label className="field">
          {t('notify.name')}
          <input
            value={d.name}
            onChange={(e) => set({ name: e.target.value })}
            required
            maxLength={100}
            data-testid="channel-name"
          />
          {fieldError('name')}
        </label>
        <label className="field">
          {t('notify.type')}
          <select
            value={d.type}
            onChange={(e) => {
              const type = e.target.value as ChannelType;
              set({ type, language: d.id ? d.language : robotLanguage(type) });
            }}
            data-testid="channel-type"
          >
            {CHANNEL_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`notify.type.${type}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('notify.hospital')}
          <select
            value={d.hospitalId ?? ''}
            disabled={!!d.id}
            onChange={(e) => set({ hospitalId: e.target.value || null, siteIds: [] })}
            data-testid="channel-hospital"
          >
            {isAdmin && <option value="">{t('notify.allHospitals')}</option>}
            {hospitals.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
          {fieldError('hospitalId')}
        </label>
      </div>
      <label className="field">
        {d.type === 'email' ? t('notify.targetEmail') : t('notify.target')}
        <input
          value={d.target}
          onChange={(e) => set({ target: e.target.value })}
          required
          maxLength={1000}
          data-testid="channel-target"
        />
        {d.type !== 'email' && <span className="muted small">{t('notify.targetHint')}</span>}
        {fieldError('target')}
      </label>
      {d.type === 'dingtalk' && (
        <label className="field">
          {t('notify.secret')}
          <input
            type="password"
            autoComplete="off"
            value={d.secret}
            onChange={(e) => set({ secret: e.target.value, removeSecret: false })}
            placeholder={d.secretSet ? t('notify.secretSet') : ''}
            data-testid="channel-secret"
          />
          <span className="muted small">{t('notify.secretHint')}</span>
          {d.secretSet && (
            <label className="field-inline check">
              <input
                type="checkbox"
                checked={d.removeSecret}
                onChange={(e) => set({ removeSecret: e.target.checked, secret: '' })}
              />
              {t('notify.removeSecret')}
            </label>
          )}
          {fieldError('secret')}
        </label>
      )}
      <div className="field-row">
        <label className="field">
          {t('notify.language')}
          <select
            value={d.language}
            onChange={(e) => set({ language: e.target.value as Draft['language'] })}
            data-testid="channel-language"
          >
            <option value="zh-CN">简体中文</option>
            <option value="en">English</option>
          </select>
        </label>
        <label className="field">
          {t('notify.grace')}
          <input
            type="number"
            min={0}
            max={86400}
            value={d.graceSeconds}
            onChange={(e) => set({ graceSeconds: Number(e.target.value) })}
            data-testid="channel-grace"
          />
          <span className="muted small">{t('notify.graceHint')}</span>
          {fieldError('graceSeconds')}
        </label>
      </div>
      {d.hospitalId && (
        <fieldset className="field">
          <legend>{t('notify.sites')}</legend>
          <div className="check-list">
            {hospitalSites.map((s) => (
              <label key={s.id}>
                <input
                  type="checkbox"
                  checked={d.siteIds.includes(s.id)}
                  onChange={() => set({ siteIds: toggle(d.siteIds, s.id) })}
                />
                {s.name}
              </label>
            ))}
          </div>
          <span className="muted small">{t('notify.sitesHint')}</span>
          {fieldError('siteIds')}
        </fieldset>
      )}
      <fieldset className="field">
        <legend>{t('notify.kinds')}</legend>
        <div className="check-list">
          {ALERT_KINDS.map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                checked={d.kinds.includes(k)}
                onChange={() => set({ kinds: toggle<AlertKind>(d.kinds, k) })}
                data-testid={`channel-kind-${k}`}
              />
              {t(`alerts.kind.${k}` as MessageKey)}
            </label>
          ))}
        </div>
        <span className="muted small">{t('notify.kindsHint')}</span>
      </fieldset>
      <label className="field-inline check">
        <input
          type="checkbox"
          checked={d.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
          data-testid="channel-enabled"
        />
        {t('notify.enabled')}
      </label>
      {error && !error.error.field && <ErrorNote error={error} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid="channel-save">
          {t('common.save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
