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
 * An address from the API (broadcast or ip) must lie in the agent's subnets and be
 * no special-use or own address (kiosk-addresses.ts); the configured override is
 * the site's own choice and is not checked.
 */
import { kioskAddressRefusal, MagicPacketSender, type KioskAddressPolicy, type MagicPacketTarget } from '@wakeward/wol';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, TargetOutcome } from '../protocol';

export type WakeKiosks = ((targets: KioskTarget[]) => Promise<TargetOutcome[]>) & {
  /** For a wake that is due later: sockets opened and packets built now, not at the instant. */
  prepare: (targets: KioskTarget[]) => Promise<void>;
  close: () => void;
};

export type WakeDestination = { address: string; port: number; broadcast: boolean } | { error: string };

export function wakeDestination(
  target: KioskTarget,
  config: AgentConfig['wake'],
  policy: KioskAddressPolicy,
): WakeDestination {
  const port = config.portByKiosk[target.kioskId] ?? target.wolPort ?? config.port;
  if (config.address) return { address: config.address, port, broadcast: false };
  const address = target.broadcast ?? target.ip;
  if (!address) return { error: 'WAKE_ADDRESS_MISSING: no broadcast or ip for the kiosk' };
  const refusal = kioskAddressRefusal(address, policy);
  if (refusal) return { error: `WAKE_TARGET_REFUSED: ${refusal}` };
  return { address, port, broadcast: address === target.broadcast };
}

export function createWakeKiosks(config: AgentConfig['wake'], policy: KioskAddressPolicy, log: Logger): WakeKiosks {
  // One sender for the agent's life: at a due instant only send() calls are left
  // to do (its sockets opened and the kiosks' packets built when the wake was scheduled).
  const sender = new MagicPacketSender({ bindAddress: config.bindAddress });
  /** The targets that can be sent to; the others get their error in `outcomes`. */
  const sendableOf = (targets: KioskTarget[], outcomes?: TargetOutcome[]) => {
    const sendable: Array<{ index: number; packet: MagicPacketTarget }> = [];
    for (const [index, target] of targets.entries()) {
      const destination = wakeDestination(target, config, policy);
      let error: string | null = null;
      if (!target.mac) error = 'MAC_MISSING: the kiosk has no MAC address';
      else if ('error' in destination) error = destination.error;
      else sendable.push({ index, packet: { mac: target.mac, ...destination, password: config.password } });
      if (error && outcomes) outcomes[index]!.error = error;
    }
    return sendable;
  };
  const wake = async (targets: KioskTarget[]): Promise<TargetOutcome[]> => {
    const outcomes: TargetOutcome[] = targets.map((t) => ({ kioskId: t.kioskId, ok: false, error: null }));
    const sendable = sendableOf(targets, outcomes);
    // All kiosks of a command in one batch: round 1 leaves for every kiosk within
    // about a millisecond of dueAt, instead of queueing behind one socket per kiosk.
    const sent = await sender.send(
      sendable.map((s) => s.packet),
      { repeat: config.repeat, intervalMs: config.intervalMs },
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
  return Object.assign(wake, {
    prepare: (targets: KioskTarget[]) => sender.prepare(sendableOf(targets).map((s) => s.packet)),
    close: () => sender.close(),
  });
}
