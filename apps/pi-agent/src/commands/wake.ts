/**
 * Wake: magic packets to each kiosk's directed broadcast address.
 *
 * Where packets go, first match wins:
 *   address: config `wake.address` (simulation/tests: 127.0.0.1) > the target's
 *            `broadcast` > the target's `ip` (unicast; only works while the switch
 *            still knows the MAC, so it is a last resort)
 *   port:    config `wake.portByKiosk[kioskId]` (simulator: one port per kiosk)
 *            > the target's `wolPort` > config `wake.port` (9)
 * SO_BROADCAST is set only when sending to the target's broadcast address.
 */
import { MacAddressError, normalizeMac, sendMagicPacket } from '@wakeward/wol';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, TargetOutcome } from '../protocol';

export type WakeKiosks = (targets: KioskTarget[]) => Promise<TargetOutcome[]>;

export function wakeDestination(
  target: KioskTarget,
  config: AgentConfig['wake'],
): { address: string; port: number; broadcast: boolean } | undefined {
  const port = config.portByKiosk[target.kioskId] ?? target.wolPort ?? config.port;
  if (config.address) return { address: config.address, port, broadcast: false };
  if (target.broadcast) return { address: target.broadcast, port, broadcast: true };
  if (target.ip) return { address: target.ip, port, broadcast: false };
  return undefined;
}

export function createWakeKiosks(config: AgentConfig['wake'], log: Logger): WakeKiosks {
  return (targets) =>
    Promise.all(
      targets.map(async (target): Promise<TargetOutcome> => {
        const destination = wakeDestination(target, config);
        if (!target.mac)
          return { kioskId: target.kioskId, ok: false, error: 'MAC_MISSING: the kiosk has no MAC address' };
        if (!destination)
          return {
            kioskId: target.kioskId,
            ok: false,
            error: 'WAKE_ADDRESS_MISSING: no broadcast or ip for the kiosk',
          };
        try {
          const sent = await sendMagicPacket(normalizeMac(target.mac), {
            ...destination,
            repeat: config.repeat,
            intervalMs: config.intervalMs,
            bindAddress: config.bindAddress,
            password: config.password,
          });
          log.debug('magic packets sent', { kioskId: target.kioskId, ...destination, sent: sent.sent });
          return { kioskId: target.kioskId, ok: true, error: null };
        } catch (err) {
          const code = err instanceof MacAddressError ? err.code : ((err as { code?: string }).code ?? 'WAKE_FAILED');
          return { kioskId: target.kioskId, ok: false, error: `${code}: ${(err as Error).message}` };
        }
      }),
    );
}
