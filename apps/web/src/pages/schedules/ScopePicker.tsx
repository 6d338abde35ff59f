/** Which kiosks a rule speaks for: the whole hospital, one site, or chosen kiosks. */
import type { Site } from '../../api/client';
import { KioskChooser } from '../../components/KioskChooser';
import { useI18n, type MessageKey } from '../../i18n';
import type { RuleDraft } from '../schedule-draft';
import { FieldError, FieldProblem } from './field-problem';

export function ScopePicker({
  draft,
  set,
  hospitalId,
  hospitalSites,
  readOnly,
  problem,
}: {
  draft: RuleDraft;
  set(patch: Partial<RuleDraft>): void;
  hospitalId: string;
  hospitalSites: Site[];
  readOnly: boolean;
  problem: FieldProblem | null;
}) {
  const { t } = useI18n();
  return (
    <div className="field">
      {t('rules.scope')}
      <div className="radio-row">
        {(['hospital', 'site', 'kiosks'] as const).map((k) => (
          <label key={k}>
            <input
              type="radio"
              name="scopeKind"
              checked={draft.scopeKind === k}
              onChange={() => set({ scopeKind: k })}
            />
            {t(`scope.${k}` as MessageKey)}
          </label>
        ))}
      </div>
      {draft.scopeKind === 'site' && (
        <select value={draft.siteId} onChange={(e) => set({ siteId: e.target.value })} aria-label={t('scope.site')}>
          {hospitalSites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      )}
      {draft.scopeKind === 'kiosks' && (
        <KioskChooser
          hospitalId={hospitalId}
          chosen={draft.kiosks}
          onChange={(kiosks) => set({ kiosks })}
          disabled={readOnly}
          testId="scope-kiosks"
        />
      )}
      <FieldError problem={problem} field="scope.siteId" />
      <FieldError problem={problem} field="scope.kioskIds" />
    </div>
  );
}
