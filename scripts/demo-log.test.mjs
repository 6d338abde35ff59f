import { describe, expect, it } from 'vitest';
import { readableLine } from './demo-log.mjs';

const json = (entry) => JSON.stringify({ time: '2026-12-05T09:50:12.345Z', service: 'wakeward-api', ...entry });

describe('readableLine', () => {
  it('shows dispatches, verifications and alerts as one line each', () => {
    expect(readableLine(json({ level: 30, context: 'dispatch', msg: 'site s1 wake at 2026-12-05T09:50:00.000Z: {"sent":4}' }))).toBe(
      '  09:50:12  dispatch: site s1 wake at 2026-12-05T09:50:00.000Z: {"sent":4}',
    );
    expect(readableLine(json({ level: 40, context: 'alerts', msg: 'alert opened: smoke Smoke at Ward 3' }))).toBe(
      '  09:50:12 warn  alerts: alert opened: smoke Smoke at Ward 3',
    );
  });

  it('leaves out requests and other info, keeps every warning and error', () => {
    expect(readableLine(json({ level: 30, msg: 'request', path: '/api/agent/v1/heartbeat', status: 200 }))).toBeNull();
    expect(readableLine(json({ level: 30, context: 'planner', msg: 'site s1: 4 transition jobs' }))).toBeNull();
    expect(readableLine(json({ level: 50, context: 'dispatch-worker', msg: 'job 7 failed: boom' }))).toBe(
      '  09:50:12 error  dispatch-worker: job 7 failed: boom',
    );
    expect(readableLine(json({ level: 'info', service: 'demo-agent', site: 'Riverside', agent: 'pi-1', msg: 'heartbeat' }))).toBeNull();
    expect(readableLine(json({ level: 'warn', service: 'demo-agent', site: 'Riverside', agent: 'pi-1', msg: 'probe failed' }))).toBe(
      '  09:50:12 warn  Riverside pi-1: probe failed',
    );
  });

  it('passes lines that are not JSON log entries as they are', () => {
    expect(readableLine('[demo] 300 simulated kiosks')).toBe('[demo] 300 simulated kiosks');
    expect(readableLine('42')).toBe('42');
  });
});
