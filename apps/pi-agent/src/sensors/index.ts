import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import { Dht11Sensor } from './dht11';
import { CombinedSensor, NoSensor, type EnvironmentSensor } from './environment-sensor';
import { Mq2Sensor } from './mq2';
import { SimulatedSensor } from './simulated';

export type { EnvironmentReading, EnvironmentSensor } from './environment-sensor';

/** The room sensor this Pi has, as configured: DHT11 + MQ-2, simulated, or none. */
export function createEnvironmentSensor(config: AgentConfig['sensors'], log: Logger): EnvironmentSensor {
  if (config.kind === 'none') return new NoSensor();
  if (config.kind === 'simulated') return new SimulatedSensor(config.simulated);
  const parts: EnvironmentSensor[] = [
    new Dht11Sensor(
      config.dht11 ?? { iioBase: '/sys/bus/iio/devices', deviceName: 'dht11', attempts: 4, retryDelayMs: 2_100 },
      log.child({ sensor: 'dht11' }),
    ),
  ];
  if (config.mq2) parts.push(new Mq2Sensor(config.mq2, log.child({ sensor: 'mq2' })));
  return new CombinedSensor(parts);
}
