import { describe, expect, it } from 'vitest';
import { alertSummary } from './alert-text';

describe('alert texts for notifications', () => {
  it('an environment alert says how long the condition lasted, when its details record it, in both languages', () => {
    const details = { agentName: 'pi-3', latest: 41, threshold: 35, forMinutes: 10 };
    expect(alertSummary('temperature_high', details, 'en')).toBe(
      'pi-3: temperature 41 °C, over 35 °C for 10 min or more',
    );
    expect(alertSummary('temperature_high', details, 'zh-CN')).toBe('pi-3：温度 41 °C，超过 35 °C 已达 10 分钟或更久');
    expect(alertSummary('humidity_high', { ...details, latest: 92, threshold: 80 }, 'zh-CN')).toBe(
      'pi-3：湿度 92 %，超过 80 % 已达 10 分钟或更久',
    );
    // Alerts raised before the details carried it read as they did.
    expect(alertSummary('temperature_high', { agentName: 'pi-3', latest: 41, threshold: 35 }, 'en')).toBe(
      'pi-3: temperature 41 °C, over 35 °C',
    );
  });
});
