/**
 * DHT11 through the kernel's IIO driver (`dtoverlay=dht11,gpiopin=4`):
 *   in_temp_input               milli-degrees Celsius
 *   in_humidityrelative_input   milli-percent
 * The single-wire protocol is timing-sensitive and a Pi misses it often (EIO,
 * ETIMEDOUT), so a read is retried a few times; the driver caches a good read
 * for 2 s, hence the default delay. A value that still fails, or is outside what
 * a DHT11 can measure, is reported missing.
 */
import path from 'node:path';
import type { Dht11Config } from '../config';
import type { Logger } from '../log';
import type { EnvironmentReading, EnvironmentSensor } from './environment-sensor';
import { findIioDevice, readSysfsInt } from './iio';

// DHT11 datasheet: 0-50 °C, 20-90 %RH. A little slack; beyond it the read is garbage.
const TEMPERATURE_RANGE_C = [-10, 70] as const;
const HUMIDITY_RANGE_PCT = [0, 100] as const;

export class Dht11Sensor implements EnvironmentSensor {
  constructor(
    private readonly config: Dht11Config,
    private readonly log: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async read(): Promise<EnvironmentReading> {
    const dir = await findIioDevice(this.config.iioBase, this.config.deviceName, this.config.device);
    if (!dir) {
      this.log.warn('DHT11 not found', { iioBase: this.config.iioBase, deviceName: this.config.deviceName });
      return {};
    }
    const temperatureC = await this.readChannel(path.join(dir, 'in_temp_input'), TEMPERATURE_RANGE_C);
    const humidityPct = await this.readChannel(path.join(dir, 'in_humidityrelative_input'), HUMIDITY_RANGE_PCT);
    const reading: EnvironmentReading = {};
    if (temperatureC !== undefined) reading.temperatureC = temperatureC;
    if (humidityPct !== undefined) reading.humidityPct = humidityPct;
    return reading;
  }

  private async readChannel(file: string, [min, max]: readonly [number, number]): Promise<number | undefined> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.config.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.config.retryDelayMs);
      try {
        const value = (await readSysfsInt(file)) / 1000;
        if (value >= min && value <= max) return Math.round(value * 10) / 10;
        lastError = `out of range: ${value}`;
      } catch (err) {
        lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
    }
    this.log.warn('DHT11 read failed', { file, attempts: this.config.attempts, error: lastError });
    return undefined;
  }
}
