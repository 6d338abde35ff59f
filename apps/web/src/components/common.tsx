/** Small pieces every page uses: loading and error states, the site picker. */
import { ReactNode } from 'react';
import { ApiRequestError, Hospital, Site } from '../api/client';
import { MessageKey, useI18n } from '../i18n';

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
    // A refusal the console knows is said in the user's language; others in the API's words.
    const known = `apiError.${error.error.code}` as MessageKey;
    const text = t(known);
    return (
      <p className="error" role="alert">
        {text !== known ? text : error.message} <code>{error.error.code}</code>
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
