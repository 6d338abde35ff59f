/**
 * Pick kiosks of a hospital by code, name, IP or MAC: a search box, results, and
 * chips of the chosen ones. Each shows its site: equal codes in two sites (or two
 * hospitals, for ops) must be told apart.
 */
import { useEffect, useState } from 'react';
import { api, Kiosk, KioskSearchHit } from '../api/client';
import { useI18n } from '../i18n';
import { useSession } from '../session';

export type KioskRef = Pick<Kiosk, 'id' | 'code' | 'name'> & { siteName?: string };

/** A kiosk as a chip or a result names its site, from the session's sites. */
export function useKioskRef(): (k: Pick<Kiosk, 'id' | 'code' | 'name' | 'siteId'>) => KioskRef {
  const { sites } = useSession();
  return (k) => ({ id: k.id, code: k.code, name: k.name, siteName: sites.find((s) => s.id === k.siteId)?.name });
}

export function KioskChooser({
  hospitalId,
  siteId,
  chosen,
  onChange,
  max,
  disabled,
  testId,
}: {
  hospitalId: string;
  siteId?: string;
  chosen: KioskRef[];
  onChange(list: KioskRef[]): void;
  max?: number;
  disabled?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<KioskSearchHit[]>([]);
  useEffect(() => {
    if (!q.trim()) return setResults([]);
    let current = true;
    const timer = setTimeout(() => {
      api.searchKiosks(q.trim(), 20, hospitalId).then(
        (p) => current && setResults(siteId ? p.items.filter((k) => k.site.id === siteId) : p.items),
        () => current && setResults([]),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q, hospitalId, siteId]);
  const ids = new Set(chosen.map((k) => k.id));
  const full = max !== undefined && chosen.length >= max;
  return (
    <div className="chooser" data-testid={testId}>
      <div className="chips">
        {chosen.map((k) => (
          <span key={k.id} className="chip" data-testid="chip" title={k.name}>
            {k.code}
            {k.siteName && <span className="muted"> · {k.siteName}</span>}
            {!disabled && (
              <button
                type="button"
                aria-label={t('common.remove', { what: k.code })}
                onClick={() => onChange(chosen.filter((c) => c.id !== k.id))}
              >
                ×
              </button>
            )}
          </span>
        ))}
        {chosen.length === 0 && <span className="muted">{t('chooser.none')}</span>}
      </div>
      {!disabled && (
        <>
          <input
            type="search"
            placeholder={full ? t('chooser.full', { max: max ?? 0 }) : t('chooser.search')}
            value={q}
            disabled={full}
            onChange={(e) => setQ(e.target.value)}
            aria-label={t('chooser.search')}
          />
          {results.length > 0 && (
            <ul className="chooser-results">
              {results.map((k) => (
                <li key={k.id}>
                  <button
                    type="button"
                    disabled={ids.has(k.id) || full}
                    data-testid="chooser-result"
                    data-code={k.code}
                    data-site={k.site.name}
                    onClick={() => {
                      onChange([...chosen, { id: k.id, code: k.code, name: k.name, siteName: k.site.name }]);
                      setQ('');
                    }}
                  >
                    {k.code} <span className="muted">{k.name}</span>{' '}
                    <span className="muted small" data-testid="chooser-result-site">
                      · {k.site.name}
                      {k.hospital.id !== hospitalId ? ` · ${k.hospital.name}` : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
