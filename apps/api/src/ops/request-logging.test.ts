import { describe, expect, it } from 'vitest';
import { requestLogLevel } from './request-logging';

describe('requestLogLevel', () => {
  it('agents and probes that succeed are debug; their failures and every console request are info', () => {
    expect(requestLogLevel('/api/agent/v1/heartbeat', 200)).toBe('debug');
    expect(requestLogLevel('/api/agent/v1/commands', 204)).toBe('debug');
    expect(requestLogLevel('/readyz', 200)).toBe('debug');
    expect(requestLogLevel('/metrics', 200)).toBe('debug');
    expect(requestLogLevel('/api/agent/v1/heartbeat', 401)).toBe('info');
    expect(requestLogLevel('/readyz', 503)).toBe('info');
    expect(requestLogLevel('/api/kiosks', 200)).toBe('info');
    expect(requestLogLevel('/api/agent/v1', 404)).toBe('info');
    expect(requestLogLevel('/metricsx', 200)).toBe('info');
  });
});
