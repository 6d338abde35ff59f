/**
 * Every kiosk of a site as a tile: observed state, expected state from the
 * schedule, a marked mismatch, last seen, its agents. Filters and search are
 * client-side over the site's list; liveness changes arrive over socket.io.
 */
import { memo, useEffect, useMemo, useState } from 'react';
import { api, Fleet, FleetKiosk, KIOSK_KINDS, KioskLivenessMessage } from '../api/client';
import { ErrorNote, Loading, SitePicker } from '../components/common';
import { SelectableTile, SelectionBar, useKioskSelection } from '../components/SelectionBar';
import { VirtualGrid } from '../components/VirtualGrid';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { Link, setQueryParam, useRoute } from '../router';
import { useSession } from '../session';

/** A kiosk that should be on but is down, or should be off but is up. Unknown is not a mismatch. */
export function isMismatch(k: Pick<FleetKiosk, 'expected' | 'observed'>): boolean {
  return (k.expected === 'on' && k.observed === 'down') || (k.expected === 'off' && k.observed === 'up');
}

export default function FleetPage() {
  const { t } = useI18n();
  const { hospitals, sites } = useSession();
  const { query } = useRoute();
  const siteId = query.get('site') ?? sites[0]?.id ?? '';
  const kind = query.get('kind') ?? '';
  const state = query.get('state') ?? '';
  const mismatchOnly = query.get('mismatch') === '1';
  const [search, setSearch] = useState(query.get('q') ?? '');
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [error, setError] = useState<unknown>(null);
  const selection = useKioskSelection(siteId);

  useEffect(() => {
    if (!siteId) return;
    let current = true;
    setFleet(null);
    setError(null);
    api.fleet(siteId).then(
      (f) => current && setFleet(f),
      (e) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [siteId]);

  useLiveEvent<KioskLivenessMessage>('kiosk.liveness', (m) => {
    setFleet((f) => {
      if (!f || m.siteId !== f.site.id) return f;
      const i = f.kiosks.findIndex((k) => k.id === m.kioskId);
      if (i < 0) return f;
      const kiosks = f.kiosks.slice();
      kiosks[i] = {
        ...kiosks[i],
        observed: m.observed,
        lastSeenAt: m.observed === 'up' ? m.observedAt : kiosks[i].lastSeenAt,
      };
      return { ...f, kiosks };
    });
  });

  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () =>
      (fleet?.kiosks ?? []).filter(
        (k) =>
          (!kind || k.kind === kind) &&
          (!state || k.observed === state) &&
          (!mismatchOnly || isMismatch(k)) &&
          (!needle || k.code.toLowerCase().includes(needle) || k.name.toLowerCase().includes(needle)),
      ),
    [fleet, kind, state, mismatchOnly, needle],
  );
  const counts = useMemo(() => {
    const c = { up: 0, down: 0, unknown: 0, mismatch: 0 };
    for (const k of fleet?.kiosks ?? []) {
      c[k.observed]++;
      if (isMismatch(k)) c.mismatch++;
    }
    return c;
  }, [fleet]);

  return (
    <section>
      <div className="page-head">
        <h1>{t('fleet.title')}</h1>
        {fleet && (
          <p className="counts" data-testid="fleet-counts">
            <span className="pill up">{t('fleet.countUp', { n: counts.up })}</span>
            <span className="pill down">{t('fleet.countDown', { n: counts.down })}</span>
            <span className="pill unknown">{t('fleet.countUnknown', { n: counts.unknown })}</span>
            <span className="pill mismatch">{t('fleet.countMismatch', { n: counts.mismatch })}</span>
            <span className="muted">{t('fleet.zone', { zone: fleet.site.timeZone })}</span>
          </p>
        )}
      </div>
      <div className="toolbar" role="search">
        <SitePicker hospitals={hospitals} sites={sites} value={siteId} onChange={(id) => setQueryParam('site', id)} />
        <label className="field-inline">
          {t('fleet.kind')}
          <select value={kind} onChange={(e) => setQueryParam('kind', e.target.value)} data-testid="filter-kind">
            <option value="">{t('common.all')}</option>
            {KIOSK_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          {t('fleet.state')}
          <select value={state} onChange={(e) => setQueryParam('state', e.target.value)} data-testid="filter-state">
            <option value="">{t('common.all')}</option>
            {(['up', 'down', 'unknown'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`observed.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline check">
          <input
            type="checkbox"
            checked={mismatchOnly}
            onChange={(e) => setQueryParam('mismatch', e.target.checked ? '1' : null)}
            data-testid="filter-mismatch"
          />
          {t('fleet.mismatchOnly')}
        </label>
        <input
          type="search"
          className="search"
          placeholder={t('fleet.search')}
          aria-label={t('fleet.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onBlur={() => setQueryParam('q', search)}
          data-testid="fleet-search"
        />
      </div>
      <ErrorNote error={error} />
      {!fleet && !error && <Loading />}
      {fleet && (
        <>
          <p className="muted" data-testid="fleet-shown">
            {t('fleet.shown', { n: shown.length, total: fleet.kiosks.length })}
          </p>
          <SelectionBar
            siteId={fleet.site.id}
            kiosks={fleet.kiosks}
            shown={shown}
            selection={selection}
            onSent={() => api.fleet(fleet.site.id).then(setFleet, setError)}
          />
          {shown.length === 0 ? (
            <p className="empty">{t('fleet.none')}</p>
          ) : (
            <VirtualGrid
              items={shown}
              tileWidth={210}
              rowHeight={112}
              testId="fleet-grid"
              render={(k) => (
                <SelectableTile key={k.id} kioskId={k.id} code={k.code} selection={selection}>
                  <KioskTile kiosk={k} />
                </SelectableTile>
              )}
            />
          )}
        </>
      )}
    </section>
  );
}

const KioskTile = memo(function KioskTile({ kiosk: k }: { kiosk: FleetKiosk }) {
  const { t, ago } = useI18n();
  const mismatch = isMismatch(k);
  const agentsUp = k.agents.filter((a) => a.up).length;
  return (
    <Link
      to={`/kiosks/${k.id}`}
      className={`tile obs-${k.observed}${mismatch ? ' mismatch' : ''}`}
      data-testid="kiosk-tile"
      data-code={k.code}
      data-observed={k.observed}
      data-expected={k.expected}
      data-mismatch={mismatch}
    >
      <div className="tile-head">
        <span className={`dot ${k.observed}`} aria-hidden />
        <strong>{k.code}</strong>
        {mismatch && (
          <span className="mismatch-flag" title={t('fleet.mismatchHelp')}>
            {t('fleet.mismatch')}
          </span>
        )}
      </div>
      <div className="tile-name" title={k.name}>
        {k.name}
      </div>
      <div className="tile-meta">
        <span>
          {t(`observed.${k.observed}`)} / {t('fleet.expectedShort')} {t(`expected.${k.expected}`)}
        </span>
      </div>
      <div
        className="tile-meta muted"
        title={k.agents.map((a) => `${a.name}: ${a.up ? t('observed.up') : t('observed.down')}`).join('\n')}
      >
        {t('fleet.lastSeen', { ago: ago(k.lastSeenAt) })} · {t('fleet.agents', { up: agentsUp, n: k.agents.length })}
      </div>
    </Link>
  );
});
