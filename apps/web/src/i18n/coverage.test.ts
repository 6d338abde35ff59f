/**
 * The console can say in the user's language every refusal the API can give a
 * person and every dispatch outcome it reports: the codes are read from the API's
 * own source, so a new code without its words fails here, not in front of staff.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentErrorText } from '../server-text';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Refusals only an agent, a scraper or the API's own plumbing meets: never shown in the console. */
const NOT_FOR_PEOPLE = new Set([
  'AGENT_TOKEN_CLASH',
  'AGENT_TOKEN_INVALID',
  'BATCH_TOO_LARGE',
  'COMMAND_ALREADY_REPORTED',
  'COMMAND_EXPIRED',
  'COMMAND_KIOSK_INVALID',
  'COMMAND_NOT_FOUND',
  'COMMAND_NOT_PENDING',
  'KIOSK_NOT_OF_AGENT_SITE',
  'METRICS_TOKEN_INVALID',
  'RULE_ID_INVALID',
  'RULE_UPDATED_AT_INVALID',
]);

/** Every stable code the API throws (its error helpers and the scheduler's validation). */
function thrownCodes(): string[] {
  const codes = new Set<string>();
  const thrower =
    /(?:badRequest|unauthorized|forbidden|notFound|conflict|tooLarge|DomainError|ScheduleError|ruleError)\(\s*(?:\d+,\s*)?(?:rule,\s*)?'([A-Z][A-Z0-9_]+)'/g;
  for (const file of [...sources(join(root, 'apps/api/src')), ...sources(join(root, 'libs/scheduler/src'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(thrower)) codes.add(m[1]);
  }
  return [...codes].sort();
}

describe('the dictionaries', () => {
  it('word every refusal a person can meet, in both languages', () => {
    const codes = thrownCodes();
    // The scan finds the codes at all (a changed helper name would make this vacuous).
    expect(codes).toEqual(
      expect.arrayContaining(['KIOSK_NOT_FOUND', 'RULE_WINDOW_INVALID', 'CALENDAR_TOO_DETAILED', 'SESSION_ENDED']),
    );
    const missing = codes
      .filter((c) => !NOT_FOR_PEOPLE.has(c))
      .filter((c) => !(`apiError.${c}` in en) || !zhCN[`apiError.${c}` as MessageKey]);
    expect(missing).toEqual([]);
  });

  it('word every dispatch outcome the API reports', () => {
    const source = readFileSync(join(root, 'apps/api/src/dispatch/dispatch-outcome.ts'), 'utf8');
    const union = /export type OutcomeCode =([^;]+);/.exec(source)![1];
    const codes = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(5);
    expect(
      codes.filter((c) => !(`dispatch.outcome.${c}` in en) || !zhCN[`dispatch.outcome.${c}` as MessageKey]),
    ).toEqual([]);
  });

  it("say an agent's error by its code, keeping the agent's own detail apart; an unknown one as it came", () => {
    const t = (key: MessageKey) => zhCN[key] ?? key;
    expect(agentErrorText('SHUTDOWN_TIMEOUT: ssh took longer than 20 s', t)).toEqual({
      text: zhCN['agentError.SHUTDOWN_TIMEOUT'],
      code: 'SHUTDOWN_TIMEOUT',
      detail: 'ssh took longer than 20 s',
    });
    expect(agentErrorText('COMMAND_EXPIRED', t)).toEqual({
      text: zhCN['agentError.COMMAND_EXPIRED'],
      code: 'COMMAND_EXPIRED',
      detail: null,
    });
    expect(agentErrorText('EHOSTUNREACH: no route', t)).toEqual({
      text: 'EHOSTUNREACH: no route',
      code: null,
      detail: null,
    });
  });
});
