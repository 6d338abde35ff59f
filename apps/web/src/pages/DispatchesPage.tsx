/**
 * A site's dispatch history: every wake and shutdown, scheduled or asked for now,
 * with the agents' reports and verifications. Reached from the fleet page.
 */
import { api } from '../api/client';
import { SitePicker } from '../components/common';
import { DispatchHistory } from '../components/DispatchHistory';
import { useI18n } from '../i18n';
import { Link, setQueryParam, useRoute } from '../router';
import { useSession } from '../session';

export default function DispatchesPage() {
  const { t } = useI18n();
  const { hospitals, sites } = useSession();
  const { query } = useRoute();
  // Only a site the session knows: the URL's value never becomes part of a request path unchecked.
  const site = sites.find((s) => s.id === query.get('site')) ?? sites[0];
  const source =
    query.get('source') === 'manual' || query.get('source') === 'schedule'
      ? (query.get('source') as 'manual' | 'schedule')
      : undefined;
  if (!site) return null;
  return (
    <section>
      <p className="crumbs">
        <Link to={`/fleet?site=${site.id}`}>{t('nav.fleet')}</Link>
      </p>
      <div className="page-head">
        <h1>{t('dispatch.historyOf', { site: site.name })}</h1>
      </div>
      <div className="toolbar">
        <SitePicker hospitals={hospitals} sites={sites} value={site.id} onChange={(id) => setQueryParam('site', id)} />
        <label className="field-inline">
          {t('dispatch.source')}
          <select
            value={source ?? ''}
            onChange={(e) => setQueryParam('source', e.target.value)}
            data-testid="filter-source"
          >
            <option value="">{t('common.all')}</option>
            <option value="manual">{t('dispatch.sourceManual')}</option>
            <option value="schedule">{t('dispatch.bySchedule')}</option>
          </select>
        </label>
      </div>
      <div className="card">
        <DispatchHistory
          key={`${site.id}|${source ?? ''}`}
          siteId={site.id}
          load={() => api.siteDispatches(site.id, { pageSize: 100, source })}
          showKiosk
          testId="site-dispatches"
        />
      </div>
    </section>
  );
}
