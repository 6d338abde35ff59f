/**
 * The running agent: wires the protocol client, the command runner, the offline
 * plan, probes, sensors and the disk buffers into a few independent loops. Each
 * loop survives API outages on its own; nothing accepted is lost across them.
 */
import path from 'node:path';
import { ApiHealth } from './api-health';
import { DurableQueue } from './buffer/durable-queue';
import { PlanCache } from './buffer/plan-cache';
import { BufferUploader, type OutboxItem, type StoredReading } from './buffer/uploader';
import { loadEnrolment } from './buffer/token-store';
import { AgentApiClient, abortableSleep, isRetryable, retryDelay } from './client';
import { FileCommandLedger } from './commands/command-ledger';
import { OfflinePlan } from './commands/offline-plan';
import { ProbeMonitor } from './commands/probe';
import { CommandRunner } from './commands/runner';
import { createShutdownKiosks, type ShutdownKiosks } from './commands/shutdown';
import { createWakeKiosks, type WakeKiosks } from './commands/wake';
import { kioskAddressPolicy } from './kiosk-addresses';
import type { AgentConfig } from './config';
import type { Logger } from './log';
import type { KioskTarget, PowerCommand, TargetOutcome } from './protocol';
import { RelayChannel } from './relay/relay-channel';
import { createEnvironmentSensor, type EnvironmentReading, type EnvironmentSensor } from './sensors';
import { AGENT_VERSION } from './version';
import { SystemdNotifier } from './watchdog';

const OFFLINE_TICK_MS = 1000;

export class Agent {
  readonly client: AgentApiClient;
  readonly health = new ApiHealth();
  readonly readings: DurableQueue<StoredReading>;
  readonly outbox: DurableQueue<OutboxItem>;
  readonly runner: CommandRunner;
  private readonly ledger: FileCommandLedger;
  readonly probes: ProbeMonitor;
  readonly offline: OfflinePlan;
  private readonly plan: PlanCache;
  private readonly sensor: EnvironmentSensor;
  private readonly wake: WakeKiosks;
  private readonly shutdown: ShutdownKiosks;
  private readonly notifier: SystemdNotifier;
  private readonly stopping = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private offlineTicks?: NodeJS.Timeout;
  /** The offline plan check in progress, if any: the next one waits for it. */
  private offlineTick?: Promise<void>;
  private readonly startedAt = Date.now();
  private readonly uploader: BufferUploader;
  /** Remote screens' relay channel; absent when disabled (`relay.enabled: false`). */
  readonly relay?: RelayChannel;
  private lastPollProgress = Date.now();
  private probeIntervalS: number;
  private readonly commandTargets = new Map<string, { target: KioskTarget; seenAt: number }>();
  private readingIntervalS: number;

  constructor(
    private readonly config: AgentConfig,
    private readonly log: Logger,
    options: { sensor?: EnvironmentSensor; env?: NodeJS.ProcessEnv } = {},
  ) {
    const token = config.token ?? loadEnrolment(config.stateDir)?.token;
    this.client = new AgentApiClient({
      baseUrl: config.apiUrl,
      token,
      requestTimeoutMs: config.http.requestTimeoutMs,
      onContact: (reached) => {
        if (this.health.record(reached))
          this.log[reached ? 'info' : 'warn'](reached ? 'API reachable again' : 'API unreachable');
      },
    });
    const bufferDir = path.join(config.stateDir, 'buffer');
    this.readings = DurableQueue.open(bufferDir, 'readings', {
      maxPending: config.buffer.maxReadings,
      onDrop: (n, total) =>
        log.warn('reading buffer full: oldest readings dropped', { dropped: n, totalDropped: total }),
    });
    this.outbox = DurableQueue.open(bufferDir, 'outbox', {
      maxPending: config.buffer.maxOutbox,
      onDrop: (n, total) => log.warn('outbox full: oldest results dropped', { dropped: n, totalDropped: total }),
    });
    this.plan = new PlanCache(config.stateDir);
    this.sensor = options.sensor ?? createEnvironmentSensor(config.sensors, log);
    const kioskAddresses = kioskAddressPolicy(config.subnets);
    this.wake = createWakeKiosks(config.wake, kioskAddresses, log.child({ action: 'wake' }));
    this.shutdown = createShutdownKiosks(config, log.child({ action: 'shutdown' }));
    this.probes = new ProbeMonitor(
      config.probe,
      kioskAddresses,
      (report) => this.client.reportProbes(report),
      log.child({ part: 'probe' }),
    );
    this.probeIntervalS = config.probe.intervalS;
    this.readingIntervalS = config.readings.intervalS;
    this.ledger = new FileCommandLedger(config.stateDir);
    this.runner = new CommandRunner({
      execute: (command) => this.execute(command),
      report: (commandId, result) => this.enqueue({ kind: 'result', commandId, result }, config.http.resultSpreadMs),
      ledger: this.ledger,
      prepare: (command) => {
        if (command.type === 'wake') void this.wake.prepare(command.targets);
      },
      log: log.child({ part: 'runner' }),
    });
    this.offline = new OfflinePlan({
      cache: this.plan,
      health: this.health,
      config: config.plan,
      execute: (type, targets) => (type === 'wake' ? this.wake(targets) : this.shutdown(targets)),
      record: (action) => this.enqueue({ kind: 'offline-action', action }),
      log: log.child({ part: 'offline-plan' }),
      stateDir: config.stateDir,
    });
    for (const item of this.plan.get()?.plan.items ?? []) this.probes.learn(item.targets);
    this.notifier = new SystemdNotifier(options.env ?? process.env, log);
    this.uploader = new BufferUploader({
      client: this.client,
      readings: this.readings,
      outbox: this.outbox,
      config,
      log: log.child({ part: 'uploader' }),
      signal: this.stopping.signal,
    });
    if (config.relay.enabled) {
      this.relay = new RelayChannel({
        apiUrl: config.apiUrl,
        token: () => this.client.token,
        config: config.relay,
        subnets: config.subnets,
        backoff: { initialMs: config.http.backoffInitialMs, maxMs: config.http.backoffMaxMs },
        log: log.child({ part: 'relay' }),
      });
    }
  }

  get enrolled(): boolean {
    return this.client.token !== undefined;
  }

  start(): void {
    this.log.info('agent starting', {
      version: AGENT_VERSION,
      apiUrl: this.config.apiUrl,
      stateDir: this.config.stateDir,
      bufferedReadings: this.readings.size,
      bufferedOutbox: this.outbox.size,
      lastSeq: this.readings.lastSeq,
    });
    this.loops.push(
      this.loop('commands', () => this.pollCommandsOnce()),
      this.loop(
        'heartbeat',
        () => this.heartbeatOnce(),
        () => this.config.heartbeatIntervalS * 1000,
      ),
      this.loop(
        'plan',
        () => this.refreshPlanOnce(),
        () => this.config.plan.refreshIntervalS * 1000,
      ),
      this.loop(
        'probe',
        async () => void (await this.probes.runRound()),
        () => this.probeIntervalS * 1000,
      ),
      this.loop(
        'readings',
        () => this.takeReadingOnce(),
        () => this.readingIntervalS * 1000,
      ),
      this.uploader.run(),
    );
    // The offline plan is checked every second for the agent's whole life: a plain
    // interval, not a loop() round (a timer, an abort listener and a promise each
    // time), which made it a third of an idle agent's CPU.
    this.offlineTicks = setInterval(() => {
      this.offlineTick ??= this.offline
        .tick()
        .catch((err: unknown) => this.log.warn('offline plan check failed', { error: err }))
        .finally(() => (this.offlineTick = undefined));
    }, OFFLINE_TICK_MS);
    void this.relay?.start();
    this.notifier.ready();
    this.notifier.startWatchdog(() => this.healthy());
  }

  async stop(): Promise<void> {
    this.log.info('agent stopping');
    this.stopping.abort();
    clearInterval(this.offlineTicks);
    this.runner.stop();
    // A hung ssh or net rpc must not hold the stop (or outlive us): end them first.
    await this.shutdown.endAll();
    this.requestFlush();
    await Promise.allSettled([...this.loops, this.relay?.stop(), this.offlineTick]);
    await this.runner.idle();
    this.client.close();
    this.ledger.close();
    this.wake.close();
    this.notifier.stop();
    this.readings.close();
    this.outbox.close();
  }

  /** Healthy = the command loop made progress (an answer or a failure) recently. */
  healthy(): boolean {
    const limit =
      (this.config.http.longPollWaitS + this.config.http.requestTimeoutMs / 1000) * 1000 +
      this.config.http.backoffMaxMs +
      30_000;
    return Date.now() - this.lastPollProgress < limit;
  }

  /** Reads the room and appends durably; returns the seq given to the reading. */
  async takeReadingOnce(): Promise<number> {
    let values: EnvironmentReading = {};
    try {
      values = await this.sensor.read();
    } catch (err) {
      this.log.warn('sensor read failed', { error: err });
    }
    const seq = this.readings.append({ at: new Date().toISOString(), ...values });
    this.requestFlush();
    return seq;
  }

  private async execute(command: PowerCommand): Promise<TargetOutcome[]> {
    switch (command.type) {
      case 'wake':
        return this.wake(command.targets);
      case 'shutdown':
        return this.shutdown(command.targets);
      case 'probe': {
        const results = await this.probes.probeNow(command.targets);
        return results.map((r) => ({ kioskId: r.kioskId, ok: r.up, error: r.up ? null : `NO_ANSWER on ${r.method}` }));
      }
    }
  }

  private requestFlush(): void {
    this.uploader?.wake();
  }

  /** Appends to the outbox (on disk at once); sent at once, or within `spreadMs` (BufferUploader.wake). */
  private enqueue(item: OutboxItem, spreadMs = 0): void {
    this.outbox.append(item);
    this.uploader.wake(spreadMs);
  }

  private async pollCommandsOnce(): Promise<void> {
    const asked = Date.now();
    const { commands, rejected } = await this.client.pollCommands(this.config.http.longPollWaitS, this.stopping.signal);
    this.lastPollProgress = Date.now();
    // A proxy or server that answers an empty long poll at once must not make us spin.
    if (commands.length === 0 && rejected.length === 0 && Date.now() - asked < 1000)
      await abortableSleep(1000, this.stopping.signal);
    for (const r of rejected)
      this.log.error('command does not match the protocol; ignored', { problem: r.problem, raw: r.raw });
    for (const command of commands) {
      if (command.type === 'cancel') continue;
      this.offline.noteCommand(command);
      this.probes.learn(command.targets);
      for (const t of command.targets) this.commandTargets.set(t.kioskId, { target: t, seenAt: Date.now() });
    }
    this.runner.deliver(commands);
  }

  private async heartbeatOnce(): Promise<void> {
    const sentAt = Date.now();
    const res = await this.client.heartbeat({
      version: AGENT_VERSION,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      time: new Date(sentAt).toISOString(),
      buffered: this.readings.size + this.outbox.size,
      dropped: this.readings.dropped + this.outbox.dropped,
    });
    const roundTrip = Date.now() - sentAt;
    const skewMs = Date.parse(res.serverTime) - (sentAt + roundTrip / 2);
    if (Math.abs(skewMs) > 2000) this.log.warn('clock skew against the API', { skewMs, roundTripMs: roundTrip });
    if (res.config?.probeIntervalS) this.probeIntervalS = res.config.probeIntervalS;
    if (res.config?.readingIntervalS) this.readingIntervalS = res.config.readingIntervalS;
    if (res.config?.probePorts) this.probes.setPorts(res.config.probePorts);
  }

  private async refreshPlanOnce(): Promise<void> {
    const fetched = await this.client.getPlan(this.config.plan.hours, this.plan.etag);
    if (fetched.notModified) return;
    this.plan.save(fetched.plan, fetched.etag);
    // Probe what the plan and the last day's commands name; forget the rest.
    const dayAgo = Date.now() - 24 * 3600_000;
    for (const [id, seen] of this.commandTargets) if (seen.seenAt < dayAgo) this.commandTargets.delete(id);
    this.probes.replaceLearned([
      ...fetched.plan.items.flatMap((i) => i.targets),
      ...[...this.commandTargets.values()].map((s) => s.target),
    ]);
    this.log.info('plan updated', { items: fetched.plan.items.length, etag: fetched.etag });
  }

  /** Runs `once` repeatedly, `every` ms apart, backing off on failures. */
  private async loop(name: string, once: () => Promise<unknown>, every?: () => number): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await once();
        failures = 0;
        if (every) await abortableSleep(every(), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (name === 'commands') this.lastPollProgress = Date.now();
        failures++;
        const { http } = this.config;
        const ceiling =
          name === 'commands' ? Math.min(http.backoffMaxMs, http.commandsBackoffMaxMs) : http.backoffMaxMs;
        const delay = retryDelay(err, failures, { ...http, backoffMaxMs: ceiling });
        const level = isRetryable(err) ? 'warn' : 'error';
        this.log[level](`${name} failed; retrying`, { error: err, retryInMs: delay, failures });
        await abortableSleep(every ? Math.min(delay, every()) : delay, signal);
      }
    }
  }
}
