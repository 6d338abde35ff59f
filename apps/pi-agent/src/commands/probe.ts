/**
 * Liveness of kiosks: a TCP connect to the VNC port (or another configured port).
 * A round runs every `probe.intervalS`; any change of a kiosk's state is reported
 * at once, and a full snapshot goes every `probe.snapshotIntervalS` so the API
 * recovers from a lost report without asking.
 *
 * What the API sends is checked first (kiosk-addresses.ts): a kiosk's address must
 * lie in the agent's subnets, and its VNC port (or the heartbeat's probePorts) be one
 * of `probe.ports` or `probe.allowedPorts`; a kiosk the agent may not probe is left
 * out of its reports (unknown, not down). The configured overrides are the site's own.
 */
import net from 'node:net';
import { kioskAddressRefusal, type KioskAddressPolicy } from '@wakeward/wol';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, ProbeReport, ProbeResult } from '../protocol';

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<{ up: boolean; latencyMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (up: boolean) => {
      socket.destroy();
      resolve({ up, latencyMs: Math.round(performance.now() - started) });
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

interface KnownKiosk {
  kioskId: string;
  ip?: string;
  vncPort?: number;
}

export class ProbeMonitor {
  private readonly kiosks = new Map<string, KnownKiosk>();
  private readonly lastUp = new Map<string, boolean>();
  private lastSnapshotAt = -Infinity;
  private snapshotOwed = true;
  private ports: number[];
  private readonly allowedPorts: Set<number>;
  /** Kiosks already logged as refused, with the reason: one warning per change. */
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly config: AgentConfig['probe'],
    private readonly addresses: KioskAddressPolicy,
    private readonly send: (report: ProbeReport) => Promise<void>,
    private readonly log: Logger,
  ) {
    this.ports = config.ports;
    this.allowedPorts = new Set([...config.ports, ...config.allowedPorts]);
    for (const kiosk of config.kiosks) this.learn([kiosk]);
  }

  /** Kiosks come from config, the plan and commands; the latest address wins. */
  learn(targets: Array<Pick<KioskTarget, 'kioskId' | 'ip' | 'vncPort'>>): void {
    for (const t of targets) {
      const known = this.kiosks.get(t.kioskId);
      this.kiosks.set(t.kioskId, { kioskId: t.kioskId, ip: t.ip ?? known?.ip, vncPort: t.vncPort ?? known?.vncPort });
    }
  }

  /**
   * Replaces every learnt kiosk with `targets` (config kiosks stay): a kiosk deleted
   * or moved to another site leaves the plan, and must leave our probes too, or
   * the API refuses every report that names it.
   */
  replaceLearned(targets: Array<Pick<KioskTarget, 'kioskId' | 'ip' | 'vncPort'>>): void {
    const keep = new Set([...this.config.kiosks.map((k) => k.kioskId), ...targets.map((t) => t.kioskId)]);
    for (const id of [...this.kiosks.keys()]) {
      if (!keep.has(id)) {
        this.kiosks.delete(id);
        this.lastUp.delete(id);
      }
    }
    this.learn(targets);
  }

  /** From the heartbeat's server config, within what this agent allows. */
  setPorts(ports: number[]): void {
    const allowed = ports.filter((p) => this.allowedPorts.has(p));
    if (allowed.length < ports.length)
      this.log.warn('probe ports refused', { refused: ports.filter((p) => !this.allowedPorts.has(p)) });
    if (allowed.length > 0) this.ports = allowed;
  }

  get knownKiosks(): string[] {
    return [...this.kiosks.keys()];
  }

  /** Null for a kiosk this agent may not probe. */
  async probe(kiosk: KnownKiosk): Promise<ProbeResult | null> {
    const host = this.config.address ?? kiosk.ip;
    const vncPort = kiosk.vncPort !== undefined && this.allowedPorts.has(kiosk.vncPort) ? kiosk.vncPort : undefined;
    const single = this.config.portByKiosk[kiosk.kioskId] ?? vncPort;
    const ports = single !== undefined ? [single] : this.ports;
    if (!host) return { kioskId: kiosk.kioskId, up: false, method: `tcp:${ports[0]}` };
    if (!this.config.address && !this.mayProbe(kiosk.kioskId, host)) return null;
    let last = { up: false, latencyMs: 0 };
    for (const port of ports) {
      last = await tcpProbe(host, port, this.config.timeoutMs);
      if (last.up) return { kioskId: kiosk.kioskId, up: true, method: `tcp:${port}`, latencyMs: last.latencyMs };
    }
    return { kioskId: kiosk.kioskId, up: false, method: `tcp:${ports[ports.length - 1]}` };
  }

  private mayProbe(kioskId: string, ip: string): boolean {
    const refusal = kioskAddressRefusal(ip, this.addresses);
    if (refusal && this.refused.get(kioskId) !== refusal)
      this.log.warn('kiosk not probed', { kioskId, reason: refusal });
    if (refusal) this.refused.set(kioskId, refusal);
    else this.refused.delete(kioskId);
    return refusal === null;
  }

  /** Probes the given kiosks now (a `probe` command) and reports their state. */
  async probeNow(targets: KioskTarget[]): Promise<ProbeResult[]> {
    this.learn(targets);
    const results = (await Promise.all(targets.map((t) => this.probe(this.kiosks.get(t.kioskId)!)))).filter(isResult);
    for (const r of results) this.lastUp.set(r.kioskId, r.up);
    await this.trySend({ observedAt: new Date().toISOString(), results });
    return results;
  }

  /** One round over every known kiosk. Returns what was reported, if anything. */
  async runRound(now = Date.now()): Promise<ProbeReport | undefined> {
    const results = (await Promise.all([...this.kiosks.values()].map((k) => this.probe(k)))).filter(isResult);
    const changed = results.filter((r) => this.lastUp.get(r.kioskId) !== r.up);
    for (const r of results) this.lastUp.set(r.kioskId, r.up);
    const snapshotDue = this.snapshotOwed || now - this.lastSnapshotAt >= this.config.snapshotIntervalS * 1000;
    const report: ProbeReport = { observedAt: new Date(now).toISOString(), results: snapshotDue ? results : changed };
    if (report.results.length === 0) return undefined;
    for (const r of changed) this.log.info('kiosk state changed', { kioskId: r.kioskId, up: r.up, method: r.method });
    if (await this.trySend(report)) {
      if (snapshotDue) {
        this.lastSnapshotAt = now;
        this.snapshotOwed = false;
      }
    } else {
      // The change is lost with this report; a full snapshot next round carries it.
      this.snapshotOwed = true;
    }
    return report;
  }

  private async trySend(report: ProbeReport): Promise<boolean> {
    try {
      await this.send(report);
      return true;
    } catch (err) {
      this.log.warn('probe report not delivered', { error: err, results: report.results.length });
      return false;
    }
  }
}

const isResult = (r: ProbeResult | null): r is ProbeResult => r !== null;
