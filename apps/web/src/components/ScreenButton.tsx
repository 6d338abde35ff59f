/**
 * The kiosk page's Screen button: opens the kiosk's remote screen (ScreenViewer,
 * loaded only when first opened: noVNC stays out of the initial bundle). Disabled,
 * with the reason, while the agents see the kiosk off or when it has no IP address.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, Kiosk, KioskLivenessMessage } from '../api/client';
import { useI18n } from '../i18n';
import { useLiveEvent } from '../live';
import { Loading } from './common';

const ScreenViewer = lazy(() => import('./ScreenViewer'));

export function ScreenButton({ kiosk }: { kiosk: Kiosk }) {
  const { t } = useI18n();
  const [observed, setObserved] = useState<'loading' | 'up' | 'down' | 'unknown'>('loading');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    api.kioskLiveness(kiosk.id).then(
      (l) => setObserved(l.up === null ? 'unknown' : l.up ? 'up' : 'down'),
      () => setObserved('unknown'),
    );
  }, [kiosk.id]);
  useLiveEvent<KioskLivenessMessage>('kiosk.liveness', (m) => {
    if (m.kioskId === kiosk.id) setObserved(m.observed);
  });
  const reason = !kiosk.ip ? t('screen.noIp') : observed === 'down' ? t('screen.kioskOff') : null;
  return (
    <>
      <button
        disabled={observed === 'loading' || reason !== null}
        title={reason ?? t('screen.open')}
        onClick={() => setOpen(true)}
        data-testid="screen-button"
      >
        {t('kiosk.screen')}
      </button>
      {reason && (
        <span className="muted small" data-testid="screen-unavailable">
          {reason}
        </span>
      )}
      {open && (
        <Suspense fallback={<Loading />}>
          <ScreenViewer kiosk={kiosk} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
