/**
 * A room without hardware, for simulation mode and demos: temperature follows a
 * daily curve computed from UTC (so the host's zone changes nothing), warmest at
 * 07:00 UTC = 15:00 in Asia/Shanghai, with seeded noise; humidity moves against
 * it; an optional heat or smoke event makes the API's alerts fire on cue.
 */
import type { SimulatedSensorConfig } from '../config';
import type { EnvironmentReading, EnvironmentSensor } from './environment-sensor';

/** mulberry32: tiny, fast, seeded; good enough for sensor noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimulatedSensor implements EnvironmentSensor {
  private readonly random: () => number;

  constructor(
    private readonly config: SimulatedSensorConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.random = seededRandom(config.seed);
  }

  async read(): Promise<EnvironmentReading> {
    return this.readAt(this.now());
  }

  readAt(instant: number): EnvironmentReading {
    const hourOfDay = (instant / 3_600_000) % 24;
    // Warmest at 07:00 UTC (15:00 in Asia/Shanghai), coolest twelve hours later.
    const curve = Math.cos(((hourOfDay - 7) / 24) * 2 * Math.PI);
    const noise = () => (this.random() - 0.5) * 2;
    let temperatureC = this.config.meanTempC + this.config.dailySwingC * curve + noise() * 0.4;
    let humidityPct = this.config.meanHumidityPct - 8 * curve + noise() * 2;
    let smokeRaw = this.config.smokeBaselineRaw + Math.round(noise() * 15);
    let smokeAlarm = false;

    const event = this.config.event;
    if (event) {
      const start = Date.parse(event.startsAt);
      const end = start + event.durationMin * 60_000;
      if (instant >= start && instant < end) {
        const ramp = Math.min(1, (instant - start) / Math.min(300_000, end - start));
        if (event.kind === 'heat') {
          temperatureC += 16 * ramp;
          humidityPct -= 15 * ramp;
        } else {
          smokeRaw += Math.round(600 * ramp);
          smokeAlarm = ramp > 0.5;
        }
      }
    }
    return {
      temperatureC: Math.round(temperatureC * 10) / 10,
      humidityPct: Math.round(Math.min(100, Math.max(0, humidityPct))),
      smokeRaw: Math.min(1023, Math.max(0, smokeRaw)),
      smokeAlarm,
    };
  }
}
