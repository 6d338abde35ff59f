/**
 * Finding a kiosk in any site the user may see (GET /api/kiosks/search): each hit
 * names its hospital and site, so equal codes in two hospitals are told apart, and
 * opens the kiosk's page.
 */
import { useEffect, useState } from 'react';
import { api, KioskSearchHit } from '../api/client';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { ErrorNote } from './common';

export interface KioskSearchResult {
  /** The text the hits are for (trimmed); empty when nothing was searched. */
  query: string;
  hits: KioskSearchHit[];
  truncated: boolean;
  error: unknown;
}

const EMPTY: KioskSearchResult = { query: '', hits: [], truncated: false, error: null };

/** Searches `text` once typing pauses; shorter than `minLength` searches nothing. */
export function useKioskSearch(text: string, { minLength = 2, debounceMs = 250 } = {}): KioskSearchResult {
  const [result, setResult] = useState<KioskSearchResult>(EMPTY);
  const query = text.trim();
  useEffect(() => {
    if (query.length < minLength) {
      setResult(EMPTY);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.searchKiosks(query).then(
        (r) => current && setResult({ query, hits: r.items, truncated: r.truncated, error: null }),
        (error) => current && setResult({ query, hits: [], truncated: false, error }),
      );
    }, debounceMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, minLength, debounceMs]);
  return result;
}

export function KioskHitList({ hits, testId = 'kiosk-search-results' }: { hits: KioskSearchHit[]; testId?: string }) {
  const { t } = useI18n();
  return (
    <ul className="kiosk-hits" data-testid={testId}>
      {hits.map((h) => (
        <li key={h.id}>
          <Link
            to={`/kiosks/${h.id}`}
            data-testid="kiosk-search-hit"
            data-kiosk-id={h.id}
            data-site-id={h.site.id}
            data-code={h.code}
          >
            <strong>{h.code}</strong> <span className="hit-name">{h.name}</span>
            <span className="hit-where">{t('search.where', { hospital: h.hospital.name, site: h.site.name })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** A search box with its hits below it. */
export function KioskSearch() {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const { query, hits, truncated, error } = useKioskSearch(text);
  return (
    <div className="kiosk-search" role="search">
      <input
        type="search"
        className="search"
        placeholder={t('search.placeholder')}
        aria-label={t('search.placeholder')}
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="kiosk-search"
      />
      <ErrorNote error={error} />
      {query && !error && (
        <>
          {hits.length === 0 ? (
            <p className="muted" data-testid="kiosk-search-none">
              {t('search.none', { q: query })}
            </p>
          ) : (
            <KioskHitList hits={hits} />
          )}
          {truncated && <p className="muted">{t('search.more', { n: hits.length })}</p>}
        </>
      )}
    </div>
  );
}
