/**
 * A kiosk's remote screen in a dialog: asks the API for a single-use ticket, opens
 * the relay WebSocket and hands it to noVNC's RFB. View-only at first; users whose
 * role allows control (admin, ops) can switch, and the relay enforces it. Any
 * activity on the dialog keeps the session from being closed as idle. Why a
 * screen did not open or ended comes from the WebSocket's close reason.
 */
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';
import { api, ApiRequestError, Kiosk, ScreenTicket } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

type Status = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'ended'; code: string };

/** Close reasons and API error codes the dialog explains; anything else is a generic failure. */
const EXPLAINED = new Set([
  'VNC_PORT_CLOSED',
  'KIOSK_UNREACHABLE',
  'REMOTE_NO_AGENT',
  'REMOTE_AGENT_LOST',
  'REMOTE_VIEWER_LIMIT',
  'REMOTE_SESSION_OPEN_ALREADY',
  'REMOTE_IDLE_TIMEOUT',
  'REMOTE_TICKET_INVALID',
  'KIOSK_IP_MISSING',
  'SCREEN_ENDED',
  'RFB_PROTOCOL_UNSUPPORTED',
  'REMOTE_TARGET_REFUSED',
  'REMOTE_NOT_VNC',
  'UNAUTHENTICATED',
  'SESSION_ENDED',
]);
const ACTIVITY_EVERY_MS = 30_000;

export default function ScreenViewer({ kiosk, onClose }: { kiosk: Kiosk; onClose: () => void }) {
  const { t } = useI18n();
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const wsRef = useRef<WebSocket | null>(null);
  const lastActivity = useRef(0);
  const [ticket, setTicket] = useState<ScreenTicket | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  const [control, setControl] = useState(false);

  useEffect(() => {
    let cancelled = false;
    const end = (code: string) => !cancelled && setStatus((s) => (s.kind === 'ended' ? s : { kind: 'ended', code }));
    api.screenTicket(kiosk.id).then(
      (tk) => {
        if (cancelled || !screen.current) return;
        setTicket(tk);
        const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${tk.path}`);
        ws.binaryType = 'arraybuffer';
        ws.addEventListener('close', (e) => end(e.reason || (e.code === 1000 ? 'SCREEN_ENDED' : 'CONNECTION_LOST')));
        wsRef.current = ws;
        const rfb = new RFB(screen.current, ws, { shared: true });
        rfb.viewOnly = true;
        rfb.compressionLevel = tk.compressionLevel;
        rfb.qualityLevel = tk.qualityLevel;
        rfb.scaleViewport = false;
        rfb.clipViewport = false;
        rfb.background = '#222';
        rfb.addEventListener('connect', () => !cancelled && setStatus({ kind: 'connected' }));
        rfb.addEventListener('disconnect', () => end('SCREEN_ENDED'));
        rfbRef.current = rfb;
      },
      (err) => end(err instanceof ApiRequestError ? err.error.code : 'CONNECTION_LOST'),
    );
    return () => {
      cancelled = true;
      rfbRef.current?.disconnect();
      rfbRef.current = null;
    };
  }, [kiosk.id]);

  const send = (message: unknown) => {
    if (wsRef.current?.readyState === WebSocket.OPEN) wsRef.current.send(JSON.stringify(message));
  };
  const activity = () => {
    if (Date.now() - lastActivity.current < ACTIVITY_EVERY_MS) return;
    lastActivity.current = Date.now();
    send({ type: 'activity' });
  };
  const toggleControl = () => {
    const on = !control;
    setControl(on);
    send({ type: 'control', on });
    if (rfbRef.current) rfbRef.current.viewOnly = !on;
  };

  const message =
    status.kind === 'ended'
      ? t((EXPLAINED.has(status.code) ? `screen.error.${status.code}` : 'screen.error.other') as MessageKey)
      : status.kind === 'connecting'
        ? t('screen.connecting')
        : null;

  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-label={t('screen.title', { code: kiosk.code })}
      data-testid="screen-dialog"
      data-status={status.kind}
      data-code={status.kind === 'ended' ? status.code : ''}
      onPointerMove={activity}
      onKeyDown={activity}
      style={{ position: 'fixed', inset: 0, background: 'rgba(0,0,0,0.6)', display: 'flex', alignItems: 'center', justifyContent: 'center', zIndex: 1000 }}
    >
      <div className="card" style={{ maxWidth: '95vw', maxHeight: '95vh', overflow: 'auto', padding: 12 }}>
        <div className="page-head" style={{ gap: 12 }}>
          <h2 style={{ margin: 0 }}>{t('screen.title', { code: kiosk.code })}</h2>
          <div className="actions">
            {ticket && (
              <span className="muted small" data-testid="screen-route">
                {t(ticket.route === 'agent' ? 'screen.routeAgent' : 'screen.routeDirect')}
              </span>
            )}
            {ticket?.canControl ? (
              <label className="small">
                <input type="checkbox" checked={control} onChange={toggleControl} disabled={status.kind !== 'connected'} data-testid="screen-control" />{' '}
                {t('screen.control')}
              </label>
            ) : (
              ticket && <span className="muted small">{t('screen.viewOnly')}</span>
            )}
            <button onClick={onClose} data-testid="screen-close">
              {t('screen.close')}
            </button>
          </div>
        </div>
        {message && (
          <p className={status.kind === 'ended' ? 'error' : 'muted'} role={status.kind === 'ended' ? 'alert' : undefined} data-testid="screen-message">
            {message}
          </p>
        )}
        <div ref={screen} data-testid="screen-canvas" style={{ display: status.kind === 'ended' ? 'none' : 'block' }} />
      </div>
    </div>
  );
}
