/** Small pieces every page uses: loading and error states, the site picker. */
import { ReactNode } from 'react';
import { ApiRequestError, Hospital, Site } from '../api/client';
import { MessageKey, useI18n, type Translate } from '../i18n';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  if (error instanceof ApiRequestError) {
    if (error.status === 403) return <NoAccess />;
    if (error.status === 404)
      return (
        <p className="error" role="alert">
          {t('common.notFound')}
        </p>
      );
    return (
      <p className="error" role="alert">
        {refusalMessage(error, t)} <code>{error.error.code}</code>
      </p>
    );
  }
  return (
    <p className="error" role="alert">
      {t('common.unreachable')}
    </p>
  );
}

export function NoAccess({ detail }: { detail?: ReactNode }) {
  const { t } = useI18n();
  return (
    <section className="no-access" data-testid="no-access" role="alert">
      <h2>{t('noAccess.title')}</h2>
      <p>{detail ?? t('noAccess.body')}</p>
    </section>
  );
}

/** Sites grouped by hospital; staff see only their own. */
export function SitePicker({
  hospitals,
  sites,
  value,
  onChange,
}: {
  hospitals: Hospital[];
  sites: Site[];
  value: string;
  onChange(id: string): void;
}) {
  const { t } = useI18n();
  return (
    <label className="field-inline">
      {t('common.site')}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="site-picker">
        {hospitals.map((h) => (
          <optgroup key={h.id} label={h.name}>
            {sites
              .filter((s) => s.hospitalId === h.id)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {h.name} · {s.name}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

export function HospitalPicker({
  hospitals,
  value,
  onChange,
}: {
  hospitals: Hospital[];
  value: string;
  onChange(id: string): void;
}) {
  const { t } = useI18n();
  return (
    <label className="field-inline">
      {t('common.hospital')}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="hospital-picker">
        {hospitals.map((h) => (
          <option key={h.id} value={h.id}>
            {h.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function errorText(err: unknown, fallback: string): string {
  return err instanceof ApiRequestError ? err.message : fallback;
}

/** A refusal the console knows, in the user's language; others in the API's words. */
export function refusalMessage(err: ApiRequestError, t: Translate): string {
  const known = `apiError.${err.error.code}` as MessageKey;
  const text = t(known);
  return text !== known ? text : err.message;
}

/**
 * A refusal next to the field it names: in English the API's own words, which name
 * the exact problem; in another language the code's text when the console knows it.
 */
export function fieldRefusal(err: ApiRequestError, t: Translate, locale: string): string {
  return locale === 'en' ? err.message : refusalMessage(err, t);
}

/** A failed request for a toast: the refusal with its code, or "cannot be reached". */
export function refusalText(err: unknown, t: Translate): string {
  return err instanceof ApiRequestError ? `${refusalMessage(err, t)} (${err.error.code})` : t('common.unreachable');
}
