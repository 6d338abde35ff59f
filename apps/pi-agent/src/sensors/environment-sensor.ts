/**
 * What the agent knows about the room a kiosk cabinet stands in. A value is absent
 * when its sensor failed: never guessed, never carried over from the last read.
 */
export interface EnvironmentReading {
  temperatureC?: number;
  humidityPct?: number;
  smokeRaw?: number;
  smokeAlarm?: boolean;
}

export interface EnvironmentSensor {
  read(): Promise<EnvironmentReading>;
}

/** Several sensors (DHT11 + MQ-2) read as one; a later sensor's values win. */
export class CombinedSensor implements EnvironmentSensor {
  constructor(private readonly sensors: EnvironmentSensor[]) {}
  async read(): Promise<EnvironmentReading> {
    const parts = await Promise.all(this.sensors.map((s) => s.read().catch(() => ({}))));
    return Object.assign({}, ...parts) as EnvironmentReading;
  }
}

export class NoSensor implements EnvironmentSensor {
  async read(): Promise<EnvironmentReading> {
    return {};
  }
}
