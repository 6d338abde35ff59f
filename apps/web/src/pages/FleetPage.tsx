/**
 * Every kiosk of a site as a tile in one of five states (fleet-state.ts): a
 * mismatch stands out, off-as-scheduled is calm, unknown is distinct; words and
 * icons say it too, and a legend explains them. Filters and search are client-side
 * over the site's list; the search also finds the kiosk in the user's other sites.
 *
 * Kept current without a reload: liveness changes arrive over socket.io; each
 * kiosk's expected state flips at its next transition by the server's clock (the
 * page sets a timer at the earliest one); dispatches and schedule changes of the
 * site refetch it, and a slow timer refetches for "last seen".
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, Fleet, FleetKiosk, KIOSK_KINDS, KioskLivenessMessage } from '../api/client';
import { ErrorNote, Loading, SitePicker } from '../components/common';
import { SelectableTile, SelectionBar, useKioskSelection } from '../components/SelectionBar';
import { KioskHitList, useKioskSearch } from '../components/KioskSearch';
import { VirtualGrid } from '../components/VirtualGrid';
import { isMismatch, nextTransitionAt, passTransitions, TILE_STATES, tileState, type TileState } from '../fleet-state';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { useRefresh } from '../refresh';
import { Link, setQueryParam, useRoute } from '../router';
import { useSession } from '../session';

/** Refetch this often anyway: "last seen" moves with the agents' heartbeats, which no event announces. */
const REFRESH_EVERY_MS = 30_000;
/** Past a transition instant, by this much: the server must already see the new state when asked. */
const TRANSITION_MARGIN_MS = 250;
/** setTimeout's longest delay; a transition further away is timed again after a refresh. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The icon beside each state's words: colour is never the only sign. */
export const STATE_ICONS: Record<TileState, string> = {
  mismatch: '⚠',
  'on-as-expected': '●',
  'off-as-expected': '○',
  unknown: '?',
  unmanaged: '–',
};

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
  /** Server clock minus this browser's, measured at each answer: transitions are timed by the server's. */
  const [clockOffset, setClockOffset] = useState(0);
  const generation = useRef(0);
  /** Liveness events heard while a refetch was in flight: its answer may predate them. */
  const recentLiveness = useRef<{ heardAt: number; message: KioskLivenessMessage }[]>([]);

  const load = useCallback(
    (initial: boolean) => {
      if (!siteId) return;
      const request = ++generation.current;
      if (initial) {
        setFleet(null);
        setError(null);
      }
      const askedAt = Date.now();
      api.fleet(siteId).then(
        (f) => {
          if (request !== generation.current) return;
          const answeredAt = Date.now();
          setClockOffset(Date.parse(f.now) - (askedAt + answeredAt) / 2);
          recentLiveness.current = recentLiveness.current.filter((e) => e.heardAt >= askedAt);
          setFleet(recentLiveness.current.reduce((acc, e) => withLiveness(acc, e.message), f));
          setError(null);
        },
        (e) => {
          // A failed refresh keeps what is shown; the next one may succeed.
          if (request === generation.current && initial) setError(e);
        },
      );
    },
    [siteId],
  );
  useEffect(() => {
    load(true);
    return () => {
      generation.current++;
    };
  }, [load]);
  const refresh = useRefresh(() => load(false), { everyMs: REFRESH_EVERY_MS });

  useLiveEvent<KioskLivenessMessage>('kiosk.liveness', (m) => {
    recentLiveness.current = [
      ...recentLiveness.current.filter((e) => e.heardAt > Date.now() - 60_000),
      { heardAt: Date.now(), message: m },
    ];
    setFleet((f) => f && withLiveness(f, m));
  });
  // A wake or shutdown of the site, sent or verified, and any change of its schedule, move expected states.
  useLiveEvent<{ siteId?: string }>('dispatch.updated', (m) => m.siteId === siteId && refresh());
  useLiveEvent<{ siteIds?: string[] }>('schedule.changed', (m) => m.siteIds?.includes(siteId) && refresh());

  // At the earliest transition, flip the kiosks concerned, then refetch to learn their following one.
  useEffect(() => {
    const next = fleet && nextTransitionAt(fleet.kiosks);
    if (next === null || next === undefined) return;
    const delay = Math.max(0, next - (Date.now() + clockOffset)) + TRANSITION_MARGIN_MS;
    const timer = setTimeout(
      () => {
        setFleet((f) => {
          if (!f) return f;
          const kiosks = passTransitions(f.kiosks, Date.now() + clockOffset);
          return kiosks === f.kiosks ? f : { ...f, kiosks };
        });
        refresh();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    return () => clearTimeout(timer);
  }, [fleet, clockOffset, refresh]);

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
  // The same text in the user's other sites: a kiosk is often looked for in the wrong one.
  const elsewhere = useKioskSearch(search);
  const otherSites = elsewhere.hits.filter((h) => h.site.id !== siteId);

  return (
    <section>
      <div className="page-head">
        <h1>{t('fleet.title')}</h1>
        {fleet && (
          <p className="counts" data-testid="fleet-counts">
            <span className="pill up">{t('fleet.countUp', { n: counts.up })}</span>
            {/* Down is what most kiosks are at night, as scheduled: calm; the mismatches are the alarm. */}
            <span className="pill calm">{t('fleet.countDown', { n: counts.down })}</span>
            <span className="pill unknown">{t('fleet.countUnknown', { n: counts.unknown })}</span>
            <span
              className={`pill mismatch${counts.mismatch ? ' alarm' : ''}`}
              data-testid="count-mismatch"
              data-n={counts.mismatch}
            >
              {counts.mismatch > 0 && <span aria-hidden>{STATE_ICONS.mismatch} </span>}
              {t('fleet.countMismatch', { n: counts.mismatch })}
            </span>
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
      {otherSites.length > 0 && (
        <div className="other-sites" data-testid="other-site-hits">
          <span className="muted">{t('search.otherSites')}</span>
          <KioskHitList hits={otherSites} testId="other-site-hit-list" />
        </div>
      )}
      <ErrorNote error={error} />
      {!fleet && !error && <Loading />}
      {fleet && (
        <>
          <StateLegend />
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
                  <KioskTile kiosk={k} timeZone={fleet.site.timeZone} />
                </SelectableTile>
              )}
            />
          )}
        </>
      )}
    </section>
  );
}

/** The liveness change applied to its kiosk, if the kiosk is on this page. */
function withLiveness(f: Fleet, m: KioskLivenessMessage): Fleet {
  if (m.siteId !== f.site.id) return f;
  const i = f.kiosks.findIndex((k) => k.id === m.kioskId);
  if (i < 0) return f;
  const kiosks = f.kiosks.slice();
  const observed = m.observed;
  kiosks[i] = {
    ...kiosks[i],
    observed,
    mismatch: isMismatch({ expected: kiosks[i].expected, observed }),
    lastSeenAt: observed === 'up' ? m.observedAt : kiosks[i].lastSeenAt,
  };
  return { ...f, kiosks };
}

function StateLegend() {
  const { t } = useI18n();
  return (
    <ul className="legend" data-testid="fleet-legend" aria-label={t('fleet.legend')}>
      {TILE_STATES.map((s) => (
        <li key={s} className={`legend-item state-${s}`} data-state={s}>
          <span className="legend-swatch" aria-hidden>
            {STATE_ICONS[s]}
          </span>
          {t(`legend.${s}` as MessageKey)}
        </li>
      ))}
    </ul>
  );
}

/** What the tile says in words: the state and, where it matters, what the schedule wants. */
function stateText(k: FleetKiosk, state: TileState, t: ReturnType<typeof useI18n>['t']): string {
  if (state === 'mismatch') return t(k.observed === 'down' ? 'tile.downShouldBeOn' : 'tile.upShouldBeOff');
  if (state === 'unknown') return t('tile.unknown', { expected: t(`expected.${k.expected}`) });
  if (state === 'unmanaged') return t('tile.unmanaged', { observed: t(`observed.${k.observed}`) });
  return t(state === 'on-as-expected' ? 'tile.onAsExpected' : 'tile.offAsExpected');
}

const KioskTile = memo(function KioskTile({ kiosk: k, timeZone }: { kiosk: FleetKiosk; timeZone: string }) {
  const { t, ago, time } = useI18n();
  const state = tileState(k);
  const agentsUp = k.agents.filter((a) => a.up).length;
  const nextChange =
    k.expectedUntil && k.next
      ? t('tile.next', { state: t(`expected.${k.next}`), time: time(k.expectedUntil, timeZone) })
      : null;
  return (
    <Link
      to={`/kiosks/${k.id}`}
      className={`tile state-${state}`}
      data-testid="kiosk-tile"
      data-code={k.code}
      data-state={state}
      data-observed={k.observed}
      data-expected={k.expected}
      data-mismatch={state === 'mismatch'}
      title={nextChange ?? undefined}
    >
      <div className="tile-head">
        <span className="state-icon" aria-hidden>
          {STATE_ICONS[state]}
        </span>
        <strong>{k.code}</strong>
        {state === 'mismatch' && (
          <span className="state-flag mismatch-flag" title={t('fleet.mismatchHelp')}>
            {t('fleet.mismatch')}
          </span>
        )}
        {state === 'unknown' && (
          <span className="state-flag unknown-flag" title={t('legend.unknown')}>
            {t('observed.unknown')}
          </span>
        )}
      </div>
      <div className="tile-name" title={k.name}>
        {k.name}
      </div>
      <div className="tile-meta" data-testid="tile-state-text">
        {stateText(k, state, t)}
        {nextChange && <span className="muted"> · {nextChange}</span>}
      </div>
      <div
        className="tile-meta muted"
        data-testid="tile-seen"
        title={k.agents.map((a) => `${a.name}: ${a.up ? t('observed.up') : t('observed.down')}`).join('\n')}
      >
        {k.lastSeenAt ? t('fleet.lastSeen', { ago: ago(k.lastSeenAt) }) : t('fleet.neverSeen')} ·{' '}
        {t('fleet.agents', { up: agentsUp, n: k.agents.length })}
      </div>
    </Link>
  );
});
