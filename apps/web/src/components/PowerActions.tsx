/**
 * Wake now / shut down now for one kiosk, a selection or a whole site. A shutdown
 * asks first, with the server's own figures (POST /api/power-commands/preview):
 * how many kiosks, how many the schedule expects on, how many no online agent
 * reaches. The result stays on screen and follows the kiosks live: sent by which
 * agents, then up or down as the agents' probes report them.
 */
import { useState } from 'react';
import {
  api,
  KioskLivenessMessage,
  PowerCommandBody,
  PowerCommandResult,
  PowerPreview,
  type DispatchAction,
} from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { canEditFleet, useSession } from '../session';
import { useToast } from './Toasts';
import { refusalText } from './common';

export type PowerTarget = { kioskIds: string[] } | { siteId: string };

export function PowerActions({
  target,
  count,
  testId = 'power',
  onSent,
}: {
  target: PowerTarget;
  count: number;
  testId?: string;
  /** Called once a command went out (e.g. to reload the kiosks' expected state). */
  onSent?(result: PowerCommandResult): void;
}) {
  const { t } = useI18n();
  const toast = useToast();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<PowerPreview | null>(null);
  const [result, setResult] = useState<PowerCommandResult | null>(null);
  if (!canEditFleet(me.role)) return null;

  const fail = (err: unknown) => toast(refusalText(err, t), 'error');
  const send = async (action: DispatchAction, confirm = false) => {
    setBusy(true);
    try {
      const sent = await api.powerCommand({ action, ...target, ...(confirm && { confirm }) } as PowerCommandBody);
      setResult(sent);
      setConfirming(null);
      onSent?.(sent);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  const askShutdown = async () => {
    setBusy(true);
    try {
      setConfirming(await api.powerPreview({ action: 'shutdown', ...target } as PowerCommandBody));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="power-actions" data-testid={testId}>
      <div className="actions">
        <button className="primary" disabled={busy || count === 0} onClick={() => send('wake')} data-testid="wake-now">
          {t('power.wakeNow', { n: count })}
        </button>
        <button className="danger" disabled={busy || count === 0} onClick={askShutdown} data-testid="shutdown-now">
          {t('power.shutdownNow', { n: count })}
        </button>
      </div>
      {confirming && (
        <ShutdownConfirmation
          preview={confirming}
          busy={busy}
          onConfirm={() => send('shutdown', true)}
          onCancel={() => setConfirming(null)}
        />
      )}
      {result && <PowerResultView result={result} onClose={() => setResult(null)} />}
    </div>
  );
}

function ShutdownConfirmation({
  preview,
  busy,
  onConfirm,
  onCancel,
}: {
  preview: PowerPreview;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const { counts } = preview;
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="power-confirm-title"
        data-testid="power-confirm"
      >
        <h2 id="power-confirm-title">{t('power.confirmTitle', { n: counts.kiosks })}</h2>
        <p className="muted small">{preview.kiosks.map((k) => k.code).join(', ')}</p>
        {counts.expectedOn > 0 && (
          <p className="warning" role="alert" data-testid="power-confirm-warning" data-expected-on={counts.expectedOn}>
            {t('power.warnExpectedOn', { m: counts.expectedOn, n: counts.kiosks })}
          </p>
        )}
        {counts.unreachable > 0 && (
          <p className="warning" data-testid="power-confirm-unreachable">
            {t('power.warnUnreachable', { n: counts.unreachable })}
          </p>
        )}
        {counts.unfit > 0 && (
          <p className="muted" data-testid="power-confirm-unfit">
            {t('power.unfit', { n: counts.unfit, codes: preview.unfit.map((u) => u.code).join(', ') })}
          </p>
        )}
        <div className="actions">
          <button
            className="danger"
            disabled={busy || counts.kiosks === 0}
            onClick={onConfirm}
            data-testid="power-confirm-ok"
          >
            {t('power.confirmShutdown', { n: counts.kiosks })}
          </button>
          <button onClick={onCancel} data-testid="power-confirm-cancel">
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** What was sent, per kiosk, then the kiosks' state as the agents see it (live). */
function PowerResultView({ result, onClose }: { result: PowerCommandResult; onClose(): void }) {
  const { t } = useI18n();
  const [observed, setObserved] = useState<Record<string, 'up' | 'down'>>({});
  useLiveEvent<KioskLivenessMessage>('kiosk.liveness', (m) => {
    if (result.kiosks.some((k) => k.kioskId === m.kioskId)) setObserved((o) => ({ ...o, [m.kioskId]: m.observed }));
  });
  const goal = result.action === 'wake' ? 'up' : 'down';
  const reached = result.kiosks.filter((k) => observed[k.kioskId] === goal).length;
  return (
    <div className="card power-result" data-testid="power-result" data-action={result.action}>
      <div className="card-head">
        <h3>{t(`power.sent.${result.action}` as MessageKey, { sent: result.counts.sent, n: result.counts.kiosks })}</h3>
        <button onClick={onClose}>{t('common.close')}</button>
      </div>
      <p className="small muted" data-testid="power-result-progress">
        {t(`power.progress.${goal}` as MessageKey, { n: reached, total: result.kiosks.length })}
      </p>
      <table className="table">
        <tbody>
          {result.kiosks.map((k) => {
            const now = observed[k.kioskId];
            return (
              <tr
                key={k.kioskId}
                data-testid="power-result-kiosk"
                data-code={k.code}
                data-status={k.status}
                data-observed={now ?? ''}
              >
                <td>
                  <strong>{k.code}</strong>
                </td>
                <td>
                  {k.status === 'no_agent'
                    ? t('power.noAgent')
                    : t('power.sentVia', { agents: k.agents.map((a) => a.name).join(', ') })}
                </td>
                <td>
                  {now ? (
                    <>
                      <span className={`dot ${now}`} /> {t(`observed.${now}`)}
                      {now === goal && ' ✓'}
                    </>
                  ) : (
                    <span className="muted">{t('power.waiting')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {result.unfit.length > 0 && (
        <p className="muted small">
          {t('power.unfit', { n: result.unfit.length, codes: result.unfit.map((u) => u.code).join(', ') })}
        </p>
      )}
    </div>
  );
}
