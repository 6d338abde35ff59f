/** A field the server refused (code, message), shown next to that field of the rule editor. */
import { useI18n, type MessageKey } from '../../i18n';

export interface FieldProblem {
  field: string;
  message: string;
  code: string;
}

export function FieldError({ problem, field }: { problem: FieldProblem | null; field: string }) {
  const { t } = useI18n();
  if (!problem || problem.field !== field) return null;
  return (
    <span className="field-error" role="alert" data-testid={`error-${field}`}>
      {t(`error.${problem.code}` as MessageKey) !== `error.${problem.code}`
        ? `${t(`error.${problem.code}` as MessageKey)}: `
        : ''}
      {problem.message}
    </span>
  );
}
