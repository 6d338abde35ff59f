/** The rules of a hospital and, for the one chosen (or a new one), the rule editor (schedules/). */
import { useEffect, useState } from 'react';
import { api, PowerRule } from '../api/client';
import { ErrorNote, HospitalPicker, Loading } from '../components/common';
import { useI18n } from '../i18n';
import { navigate, setQueryParam, useRoute } from '../router';
import { useSession } from '../session';
import { RuleEditor } from './schedules/RuleEditor';
import { RuleList } from './schedules/RuleList';

export default function SchedulesPage() {
  const { t } = useI18n();
  const { hospitals } = useSession();
  const { query } = useRoute();
  const hospitalId = query.get('hospital') ?? hospitals[0]?.id ?? '';
  const selected = query.get('rule');
  const [rules, setRules] = useState<PowerRule[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setError(null);
    api.rules(hospitalId).then((p) => setRules(p.items), setError);
  }, [hospitalId, version]);
  const reload = () => setVersion((v) => v + 1);
  const rule = rules?.find((r) => r.id === selected) ?? null;

  return (
    <section>
      <div className="page-head">
        <h1>{t('rules.title')}</h1>
        <HospitalPicker
          hospitals={hospitals}
          value={hospitalId}
          onChange={(id) => navigate(`/schedules?hospital=${id}`)}
        />
      </div>
      <ErrorNote error={error} />
      {!rules && !error && <Loading />}
      {rules && <RuleList rules={rules} hospitalId={hospitalId} selected={selected} />}
      {rules && (selected === 'new' || rule) && (
        <RuleEditor
          key={`${hospitalId}:${selected}:${rule?.updatedAt ?? ''}`}
          hospitalId={hospitalId}
          rule={rule}
          onSaved={(saved) => {
            reload();
            setQueryParam('rule', saved.id);
          }}
          onDeleted={() => {
            reload();
            setQueryParam('rule', null);
          }}
          onRulesChanged={reload}
        />
      )}
    </section>
  );
}
