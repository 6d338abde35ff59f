import type { KioskRef, PowerRule } from '../src/types';

/** A rule with quiet defaults: hospital h1, regular, every day, no windows. */
export function rule(id: string, fields: Partial<PowerRule> = {}): PowerRule {
  return {
    id,
    scope: { kind: 'hospital', hospitalId: 'h1' },
    layer: 'regular',
    windows: [],
    priority: 0,
    updatedAt: '2026-01-01T00:00:00Z',
    ...fields,
  };
}

export const hours = (...pairs: [string, string][]) => pairs.map(([start, end]) => ({ start, end }));

export function kiosk(id: string, timeZone = 'Asia/Shanghai', siteId = 's1', hospitalId = 'h1'): KioskRef {
  return { id, siteId, hospitalId, timeZone };
}

export const at = (iso: string) => new Date(iso);

/** Transitions as compact strings, for exact and readable assertions. */
export const brief = (list: readonly { at: Date; state: string; ruleId?: string }[]) =>
  list.map((t) => `${t.at.toISOString()} ${t.state}${t.ruleId ? ` ${t.ruleId}` : ''}`);
