/**
 * The fleet page's selection: a checkbox on each tile, a bar with "select all
 * shown", the count, and wake / shut down now for the selection or, with nothing
 * selected, for the whole site; and the way to the site's dispatch history.
 */
import { ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import type { FleetKiosk } from '../api/client';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { canEditFleet, useSession } from '../session';
import { PowerActions } from './PowerActions';

export interface KioskSelection {
  selected: ReadonlySet<string>;
  toggle(kioskId: string, on: boolean): void;
  set(kioskIds: string[]): void;
}

/** Selected kiosk ids; a new site starts with none. */
export function useKioskSelection(siteId: string): KioskSelection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setSelected(new Set()), [siteId]);
  const toggle = useCallback((kioskId: string, on: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(kioskId);
      else next.delete(kioskId);
      return next;
    });
  }, []);
  const set = useCallback((kioskIds: string[]) => setSelected(new Set(kioskIds)), []);
  return useMemo(() => ({ selected, toggle, set }), [selected, toggle, set]);
}

export function SelectionBar({
  siteId,
  kiosks,
  shown,
  selection,
  onSent,
}: {
  siteId: string;
  /** A wake or shutdown went out: the kiosks' expected state changed. */
  onSent?(): void;
  /** Every kiosk of the site. */
  kiosks: FleetKiosk[];
  /** Those the filters show: "select all" takes these. */
  shown: FleetKiosk[];
  selection: KioskSelection;
}) {
  const { t } = useI18n();
  const { me } = useSession();
  // A selection outlives a filter change: only kiosks of the site count.
  const chosen = kiosks.filter((k) => selection.selected.has(k.id)).map((k) => k.id);
  const allShown = shown.length > 0 && shown.every((k) => selection.selected.has(k.id));
  return (
    <div className="selection-bar" data-testid="selection-bar" data-selected={chosen.length}>
      {canEditFleet(me.role) && (
        <>
          <label className="field-inline check">
            <input
              type="checkbox"
              checked={allShown}
              onChange={(e) => selection.set(e.target.checked ? shown.map((k) => k.id) : [])}
              data-testid="select-all"
            />
            {t('power.selectAllShown', { n: shown.length })}
          </label>
          {chosen.length > 0 ? (
            <>
              <span data-testid="selected-count">{t('power.selected', { n: chosen.length })}</span>
              <button onClick={() => selection.set([])}>{t('common.clear')}</button>
              <PowerActions
                target={{ kioskIds: chosen }}
                count={chosen.length}
                testId="power-selection"
                onSent={onSent}
              />
            </>
          ) : (
            <>
              <span className="muted">{t('power.wholeSite')}</span>
              <PowerActions target={{ siteId }} count={kiosks.length} testId="power-site" onSent={onSent} />
            </>
          )}
        </>
      )}
      <Link
        to={`/dispatches?site=${encodeURIComponent(siteId)}`}
        className="history-link"
        data-testid="site-history-link"
      >
        {t('dispatch.history')}
      </Link>
    </div>
  );
}

/** A tile with its selection checkbox, for users who may act on kiosks. */
export function SelectableTile({
  kioskId,
  code,
  selection,
  children,
}: {
  kioskId: string;
  code: string;
  selection: KioskSelection;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { me } = useSession();
  if (!canEditFleet(me.role)) return <>{children}</>;
  const checked = selection.selected.has(kioskId);
  return (
    <div className={`selectable${checked ? ' selected' : ''}`}>
      {children}
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => selection.toggle(kioskId, e.target.checked)}
        aria-label={t('power.select', { code })}
        data-testid="tile-select"
        data-code={code}
      />
    </div>
  );
}
