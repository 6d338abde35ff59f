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
import { sendMagicPackets, type MagicPacketTarget } from '@wakeward/wol';
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
  return async (targets) => {
    const outcomes: TargetOutcome[] = targets.map((t) => ({ kioskId: t.kioskId, ok: false, error: null }));
    const sendable: Array<{ index: number; packet: MagicPacketTarget }> = [];
    for (const [index, target] of targets.entries()) {
      const destination = wakeDestination(target, config);
      if (!target.mac) outcomes[index]!.error = 'MAC_MISSING: the kiosk has no MAC address';
      else if (!destination) outcomes[index]!.error = 'WAKE_ADDRESS_MISSING: no broadcast or ip for the kiosk';
      else sendable.push({ index, packet: { mac: target.mac, ...destination, password: config.password } });
    }
    // All kiosks of a command in one batch: round 1 leaves for every kiosk within
    // about a millisecond of dueAt, instead of queueing behind one socket per kiosk.
    const sent = await sendMagicPackets(
      sendable.map((s) => s.packet),
      { repeat: config.repeat, intervalMs: config.intervalMs, bindAddress: config.bindAddress },
    );
    for (const [i, { index, packet }] of sendable.entries()) {
      const result = sent[i]!;
      if (result.error) outcomes[index]!.error = `${result.error.code}: ${result.error.message}`;
      else outcomes[index] = { kioskId: targets[index]!.kioskId, ok: true, error: null };
      log.debug('magic packets sent', {
        kioskId: targets[index]!.kioskId,
        address: packet.address,
        port: packet.port,
        sent: result.sent,
      });
    }
    return outcomes;
  };
}
