import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import { memoryLogger } from '../../testing/silent-log';
import { Dht11Sensor } from './dht11';
import { CombinedSensor } from './environment-sensor';
import { createEnvironmentSensor } from '.';
import { Mq2Sensor } from './mq2';
import { SimulatedSensor } from './simulated';

/** A fake sysfs tree: GPIO/IIO files are the one thing these tests may fake. */
function fakeSysfs(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-sysfs-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

const noSleep = async () => {};
const dht = (iioBase: string, extra: Partial<{ device: string; attempts: number }> = {}) =>
  new Dht11Sensor({ iioBase, deviceName: 'dht11', attempts: 3, retryDelayMs: 0, ...extra }, memoryLogger(), noSleep);

describe('DHT11 through the kernel IIO driver', () => {
  it('finds the device by name and converts milli-units', async () => {
    const base = fakeSysfs({
      'iio:device0/name': 'mcp3008\n',
      'iio:device1/name': 'dht11\n',
      'iio:device1/in_temp_input': '24100\n',
      'iio:device1/in_humidityrelative_input': '41000\n',
    });
    expect(await dht(base).read()).toEqual({ temperatureC: 24.1, humidityPct: 41 });
  });

  it('retries a failing read and succeeds when the sensor recovers', async () => {
    const base = fakeSysfs({ 'iio:device0/name': 'dht11', 'iio:device0/in_humidityrelative_input': '55000' });
    // A directory where a file should be makes every read fail (EISDIR) until replaced.
    const temp = path.join(base, 'iio:device0/in_temp_input');
    fs.mkdirSync(temp);
    let attempts = 0;
    const sensor = new Dht11Sensor(
      { iioBase: base, deviceName: 'dht11', attempts: 4, retryDelayMs: 0 },
      memoryLogger(),
      async () => {
        if (++attempts === 2) {
          fs.rmdirSync(temp);
          fs.writeFileSync(temp, '19500');
        }
      },
    );
    expect(await sensor.read()).toEqual({ temperatureC: 19.5, humidityPct: 55 });
    expect(attempts).toBe(2);
  });

  it('reports missing values, not invented ones, when reads keep failing', async () => {
    const base = fakeSysfs({
      'iio:device0/name': 'dht11',
      'iio:device0/in_temp_input': 'garbage',
      'iio:device0/in_humidityrelative_input': '250000',
    });
    const log = memoryLogger();
    const sensor = new Dht11Sensor({ iioBase: base, deviceName: 'dht11', attempts: 3, retryDelayMs: 0 }, log, noSleep);
    expect(await sensor.read()).toEqual({});
    expect(log.lines.filter((l) => l.msg === 'DHT11 read failed')).toHaveLength(2);
  });

  it('reports nothing when the device is absent (overlay not loaded)', async () => {
    expect(await dht(fakeSysfs({})).read()).toEqual({});
    expect(await dht('/nonexistent/iio').read()).toEqual({});
  });

  it('uses a configured device directory without looking at names', async () => {
    const base = fakeSysfs({ 'iio:device3/in_temp_input': '30000', 'iio:device3/in_humidityrelative_input': '20000' });
    expect(await dht(base, { device: 'iio:device3' }).read()).toEqual({ temperatureC: 30, humidityPct: 20 });
  });
});

describe('MQ-2 through MCP3008 and a GPIO alarm pin', () => {
  it('reads the raw ADC channel and an active-low alarm', async () => {
    const base = fakeSysfs({
      'iio/iio:device0/name': 'mcp3008',
      'iio/iio:device0/in_voltage2_raw': '312\n',
      'gpio/gpio17/value': '0\n',
    });
    const sensor = new Mq2Sensor(
      {
        adc: { iioBase: path.join(base, 'iio'), deviceName: 'mcp3008', channel: 2 },
        alarm: { path: path.join(base, 'gpio/gpio17/value'), activeLow: true },
      },
      memoryLogger(),
    );
    expect(await sensor.read()).toEqual({ smokeRaw: 312, smokeAlarm: true });
    fs.writeFileSync(path.join(base, 'gpio/gpio17/value'), '1\n');
    expect(await sensor.read()).toEqual({ smokeRaw: 312, smokeAlarm: false });
  });

  it('supports an active-high pin and leaves out what cannot be read', async () => {
    const base = fakeSysfs({ 'iio:device0/name': 'mcp3008', 'iio:device0/in_voltage0_raw': '4000', value: '1' });
    const sensor = new Mq2Sensor(
      {
        adc: { iioBase: base, deviceName: 'mcp3008', channel: 0 },
        alarm: { path: path.join(base, 'value'), activeLow: false },
      },
      memoryLogger(),
    );
    expect(await sensor.read()).toEqual({ smokeAlarm: true }); // 4000 is beyond a 10-bit ADC
    const broken = new Mq2Sensor({ alarm: { path: path.join(base, 'missing'), activeLow: true } }, memoryLogger());
    expect(await broken.read()).toEqual({});
  });

  it('combines with the DHT11 into one reading, each part failing on its own', async () => {
    const base = fakeSysfs({ 'iio:device0/name': 'dht11', 'iio:device0/in_temp_input': '22000', 'gpio/value': '1' });
    const config = AgentConfigSchema.parse({
      apiUrl: 'http://127.0.0.1:1',
      sensors: {
        kind: 'hardware',
        dht11: { iioBase: base, attempts: 1, retryDelayMs: 0 },
        mq2: { alarm: { path: path.join(base, 'gpio/value') } },
      },
    }).sensors;
    const sensor = createEnvironmentSensor(config, memoryLogger());
    expect(sensor).toBeInstanceOf(CombinedSensor);
    expect(await sensor.read()).toEqual({ temperatureC: 22, smokeAlarm: false });
  });
});

describe('simulated room', () => {
  const config = AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1' }).sensors.simulated;

  it('is reproducible for a seed and follows a daily curve', () => {
    const a = new SimulatedSensor(config);
    const b = new SimulatedSensor(config);
    const day = Date.parse('2026-01-26T00:00:00Z');
    const series = (s: SimulatedSensor) => Array.from({ length: 24 }, (_, h) => s.readAt(day + h * 3_600_000));
    const seriesA = series(a);
    expect(seriesA).toEqual(series(b));
    const warm = seriesA[7]!.temperatureC!;
    const cool = seriesA[19]!.temperatureC!;
    expect(warm - cool).toBeGreaterThan(4);
    for (const r of seriesA) {
      expect(r.humidityPct).toBeGreaterThanOrEqual(0);
      expect(r.smokeAlarm).toBe(false);
    }
  });

  it('raises heat and smoke during a configured event only', () => {
    const start = Date.parse('2026-01-26T03:00:00Z');
    const heat = new SimulatedSensor({
      ...config,
      event: { kind: 'heat', startsAt: new Date(start).toISOString(), durationMin: 30 },
    });
    expect(heat.readAt(start + 10 * 60_000).temperatureC!).toBeGreaterThan(35);
    expect(heat.readAt(start + 40 * 60_000).temperatureC!).toBeLessThan(30);
    const smoke = new SimulatedSensor({
      ...config,
      event: { kind: 'smoke', startsAt: new Date(start).toISOString(), durationMin: 30 },
    });
    expect(smoke.readAt(start + 10 * 60_000)).toMatchObject({ smokeAlarm: true });
    expect(smoke.readAt(start + 10 * 60_000).smokeRaw!).toBeGreaterThan(500);
  });
});
