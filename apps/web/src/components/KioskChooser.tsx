/** Pick kiosks of a hospital by code or name: a search box, results, and chips of the chosen ones. */
import { useEffect, useState } from 'react';
import { api, Kiosk } from '../api/client';
import { useI18n } from '../i18n';

export type KioskRef = Pick<Kiosk, 'id' | 'code' | 'name'>;

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
  const [results, setResults] = useState<Kiosk[]>([]);
  useEffect(() => {
    if (!q.trim()) return setResults([]);
    let current = true;
    const timer = setTimeout(() => {
      api.kiosks({ hospitalId, siteId, q: q.trim(), pageSize: 20 }).then(
        (p) => current && setResults(p.items),
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
          <span key={k.id} className="chip" data-testid="chip">
            {k.code}
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
                    onClick={() => {
                      onChange([...chosen, { id: k.id, code: k.code, name: k.name }]);
                      setQ('');
                    }}
                  >
                    {k.code} <span className="muted">{k.name}</span>
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
