/** Environment charts and alerts wait for their APIs (telemetry, alerts): say so plainly. */
import { useI18n } from '../i18n';

export default function UnavailablePage({ page }: { page: 'environment' | 'alerts' }) {
  const { t } = useI18n();
  return (
    <section data-testid={`unavailable-${page}`}>
      <h1>{t(page === 'environment' ? 'nav.environment' : 'nav.alerts')}</h1>
      <div className="card">
        <p>
          <strong>{t('common.notAvailableYet')}</strong>
        </p>
        <p className="muted">{t(page === 'environment' ? 'unavailable.environment' : 'unavailable.alerts')}</p>
      </div>
    </section>
  );
}
