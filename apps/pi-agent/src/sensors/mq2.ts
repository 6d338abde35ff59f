/**
 * MQ-2 smoke/gas sensor. The module gives an analog level (read through an MCP3008
 * ADC with the kernel's mcp320x IIO driver: in_voltageN_raw, 0-1023) and a digital
 * alarm pin compared against the board's trimmer (read from GPIO sysfs,
 * /sys/class/gpio/gpioN/value, or any configured path). Either may be absent.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Mq2Config } from '../config';
import type { Logger } from '../log';
import type { EnvironmentReading, EnvironmentSensor } from './environment-sensor';
import { findIioDevice, readSysfsInt } from './iio';

const ADC_MAX = 1023;

export class Mq2Sensor implements EnvironmentSensor {
  constructor(
    private readonly config: Mq2Config,
    private readonly log: Logger,
  ) {}

  async read(): Promise<EnvironmentReading> {
    const reading: EnvironmentReading = {};
    const raw = await this.readAnalog();
    if (raw !== undefined) reading.smokeRaw = raw;
    const alarm = await this.readAlarm();
    if (alarm !== undefined) reading.smokeAlarm = alarm;
    return reading;
  }

  private async readAnalog(): Promise<number | undefined> {
    const adc = this.config.adc;
    if (!adc) return undefined;
    const dir = await findIioDevice(adc.iioBase, adc.deviceName, adc.device);
    if (!dir) {
      this.log.warn('MCP3008 ADC not found', { iioBase: adc.iioBase, deviceName: adc.deviceName });
      return undefined;
    }
    const file = path.join(dir, `in_voltage${adc.channel}_raw`);
    try {
      const value = await readSysfsInt(file);
      if (value < 0 || value > ADC_MAX) throw new Error(`out of range: ${value}`);
      return value;
    } catch (err) {
      this.log.warn('MQ-2 analog read failed', {
        file,
        error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
      });
      return undefined;
    }
  }

  private async readAlarm(): Promise<boolean | undefined> {
    const alarm = this.config.alarm;
    if (!alarm) return undefined;
    try {
      const level = (await fs.readFile(alarm.path, 'utf8')).trim();
      if (level !== '0' && level !== '1') throw new Error(`holds ${JSON.stringify(level)}, expected 0 or 1`);
      return alarm.activeLow ? level === '0' : level === '1';
    } catch (err) {
      this.log.warn('MQ-2 alarm pin read failed', {
        path: alarm.path,
        error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
      });
      return undefined;
    }
  }
}
