/** What the rule being edited would do: the effective schedule of chosen kiosks, and which rule wins each day. */
import type { ReactNode } from 'react';
import type { RulePreview } from '../../api/client';
import { ErrorNote } from '../../components/common';
import { KioskChooser, KioskRef } from '../../components/KioskChooser';
import { ScheduleTimeline } from '../../components/ScheduleTimeline';
import { useI18n } from '../../i18n';
import type { FieldProblem } from './field-problem';

export function RulePreviewPanel({
  impact,
  hospitalId,
  preview,
  previewing,
  previewError,
  previewKiosks,
  setPreviewKiosks,
  problem,
}: {
  /** The impact on every kiosk of the scope, above the chosen kiosks' timelines. */
  impact: ReactNode;
  hospitalId: string;
  preview: RulePreview | null;
  previewing: boolean;
  previewError: unknown;
  previewKiosks: KioskRef[] | null;
  setPreviewKiosks(list: KioskRef[]): void;
  problem: FieldProblem | null;
}) {
  const { t } = useI18n();
  return (
    <div className="card" data-testid="rule-preview">
      <div className="card-head">
        <h2>{t('rules.preview')}</h2>
        {previewing && <span className="muted small">{t('common.loading')}</span>}
      </div>
      <p className="hint">{t('rules.previewHint')}</p>
      <ErrorNote error={previewError} />
      {problem && <p className="muted">{t('rules.previewBlocked')}</p>}
      {!problem && impact}
      <h3>{t('rules.timelines')}</h3>
      {previewKiosks && (
        <KioskChooser
          hospitalId={hospitalId}
          chosen={previewKiosks}
          onChange={setPreviewKiosks}
          max={50}
          testId="preview-kiosks"
        />
      )}
      {preview?.kiosks
        .slice()
        .sort(
          (a, b) =>
            (previewKiosks ?? []).findIndex((k) => k.id === a.kioskId) -
            (previewKiosks ?? []).findIndex((k) => k.id === b.kioskId),
        )
        .map((k) => (
          <div key={k.kioskId} className="preview-kiosk" data-testid="preview-kiosk" data-code={k.code}>
            <h4>
              {k.code} <span className="muted">{k.name}</span> <span className="muted small">· {k.site.name}</span>
            </h4>
            <ScheduleTimeline schedule={k.schedule} />
          </div>
        ))}
    </div>
  );
}
