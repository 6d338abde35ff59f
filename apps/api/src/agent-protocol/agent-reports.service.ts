import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { z } from 'zod';
import type { Agent } from '../agents/agent.entity';
import { AgentHealthService } from '../alerts/agent-health.service';
import { OccurrenceAlertsService } from '../alerts/occurrence-alerts.service';
import { HeartbeatRecorder } from '../agents/heartbeat-recorder';
import { badRequest, tooLarge } from '../common/errors';
import { parseInput } from '../common/validation';
import { Database } from '../database/database.service';
import { FleetRepository } from '../fleet/fleet.repository';
import { observedState } from '../fleet/fleet.service';
import { LiveEventsService } from '../live/live-events.service';
import { ApiMetrics } from '../ops/metrics';
import { SitesRepository } from '../sites/sites.repository';
import { heartbeatBody, MAX_READINGS_PER_REQUEST, OfflineActionInput, ProbeReport, readingsBody } from './agent-protocol.dto';
import { AgentReportsRepository } from './agent-reports.repository';
import { ReadingsIntake, sortReadings } from '../telemetry/readings-intake';

const INT32_MAX = 2_147_483_647;
const clampInt = (n: number) => Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(n)));

/**
 * What agents send in: heartbeats, probes, offline actions, readings. Each batch is
 * stored whole or not at all; of readings, what readings-intake.ts accepts.
 */
@Injectable()
export class AgentReportsService {
  constructor(
    private readonly db: Database,
    private readonly heartbeats: HeartbeatRecorder,
    private readonly reports: AgentReportsRepository,
    private readonly fleet: FleetRepository,
    private readonly sites: SitesRepository,
    private readonly live: LiveEventsService,
    private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly agentHealth: AgentHealthService,
    private readonly occurrenceAlerts: OccurrenceAlertsService,
  ) {}

  private readonly logger = new Logger('agent-reports');

  async heartbeat(agent: Agent, beat: z.output<typeof heartbeatBody>) {
    const now = new Date();
    await this.heartbeats.record({
      agentId: agent.id,
      at: now,
      version: beat.version,
      uptimeS: clampInt(beat.uptimeS),
      clockSkewMs: clampInt(beat.time.getTime() - now.getTime()),
      bufferedCount: clampInt(beat.buffered),
    });
    await this.agentHealth.heartbeatReceived(agent.id, now);
    const { probeIntervalS, readingIntervalS } = this.config.agents;
    return { serverTime: now.toISOString(), config: { probeIntervalS, readingIntervalS, probePorts: [5900] } };
  }

  /**
   * An agent reported a command's result: the console's dispatch history of the
   * site shows it live (who started what when, done or the error).
   */
  async commandReported(agent: Agent, commandId: string, result: { status: string; targets: { kioskId: string }[] }): Promise<void> {
    const site = await this.sites.getById(agent.siteId);
    if (!site) return;
    await this.live.publish('dispatch.updated', site.hospitalId, {
      siteId: site.id,
      commandId,
      agentId: agent.id,
      reported: result.status,
      kioskIds: result.targets.map((t) => t.kioskId).slice(0, 1000),
    });
  }

  /**
   * An agent probes only kiosks of its own site: any other kiosk id rejects the
   * whole report. A kiosk whose observed state (up when any agent sees it up)
   * changes is announced to the console at once.
   */
  async probes(agent: Agent, report: ProbeReport): Promise<void> {
    await this.assertOwnKiosks(agent, report.results.map((r, i) => ({ id: r.kioskId, field: `results.${i}.kioskId` })));
    const kioskIds = new Set(report.results.map((r) => r.kioskId));
    const now = new Date();
    const before = await this.observedOf(agent.siteId, kioskIds, now);
    await this.reports.upsertProbes(agent.id, report, now);
    const after = await this.observedOf(agent.siteId, kioskIds, now);
    const site = await this.sites.getById(agent.siteId);
    const changed = new Map<string, string[]>();
    for (const [kioskId, state] of after) {
      if (!site || before.get(kioskId)?.observed === state.observed) continue;
      changed.set(state.observed, [...(changed.get(state.observed) ?? []), kioskId]);
      await this.fleet.recordChange({ kioskId, siteId: site.id, observed: state.observed, observedAt: report.observedAt });
      await this.live.publish('kiosk.liveness', site.hospitalId, {
        kioskId,
        siteId: site.id,
        observed: state.observed,
        observedAt: report.observedAt.toISOString(),
        lastSeenAt: state.lastSeenAt?.toISOString() ?? null,
      });
    }
    // A kiosk of a kiosk_state alert now seen in the state it should have reached leaves it.
    for (const [observed, ids] of changed) await this.occurrenceAlerts.kiosksSeen(agent.siteId, ids, observed, now);
  }

  private async observedOf(siteId: string, kioskIds: Set<string>, now: Date) {
    const sightings = (await this.fleet.sightingsOfSite(siteId)).filter((s) => kioskIds.has(s.kioskId));
    return new Map([...kioskIds].map((id) => [id, observedState(sightings.filter((s) => s.kioskId === id), now)]));
  }

  async offlineActions(agent: Agent, actions: OfflineActionInput[]): Promise<void> {
    await this.assertOwnKiosks(
      agent,
      actions.flatMap((a, i) => a.kioskIds.map((id, j) => ({ id, field: `actions.${i}.kioskIds.${j}` }))),
    );
    await this.reports.insertOfflineActions(agent.id, actions, new Date());
  }

  /** The batch size is checked before anything else: 413 for more than 5,000, as PROTOCOL.md says. */
  async readings(agent: Agent, body: unknown): Promise<{ ackSeq: number }> {
    const count = (body as { readings?: unknown } | null)?.readings;
    if (Array.isArray(count) && count.length > MAX_READINGS_PER_REQUEST) {
      throw tooLarge('BATCH_TOO_LARGE', `at most ${MAX_READINGS_PER_REQUEST} readings a request (got ${count.length}); nothing was stored`);
    }
    const { readings } = parseInput(readingsBody, body);
    if (!readings.length) return { ackSeq: await this.reports.highestReadingSeq(agent.id) };
    const now = new Date();
    const intake = await this.db.transaction(async () => {
      await this.reports.lockAgentReadings(agent.id);
      // A seq above the agent's highest stored one is new: only resends need looking up (the usual batch needs none).
      const highest = await this.reports.highestReadingSeq(agent.id);
      const resent = [...new Set(readings.map((r) => r.seq).filter((seq) => seq <= highest))];
      const stored = resent.length ? await this.reports.storedReadings(agent.id, resent) : new Map();
      const intake = sortReadings(readings, stored, now, this.config.telemetry.retentionDays.raw);
      if (intake.store.length) await this.reports.insertReadings(agent.id, intake.store, now);
      return intake;
    });
    this.reportRefusals(agent, intake);
    return { ackSeq: Math.max(...readings.map((r) => r.seq)) };
  }

  /** Counted in /metrics and logged once per batch: an agent with a bad clock or reused seqs shows up. */
  private reportRefusals(agent: Agent, intake: ReadingsIntake): void {
    const refused = Object.entries(intake.refused).filter(([, list]) => list.length);
    if (!refused.length) return;
    for (const [reason, list] of refused) this.metrics.readingsRefused.inc({ reason }, list.length);
    this.logger.warn(
      `readings of agent ${agent.name} (${agent.id}) not stored: ${refused
        .map(([reason, list]) => `${list.length} ${reason.replace('_', ' ')} (seq ${list[0]!.seq}${list.length > 1 ? ` to ${list[list.length - 1]!.seq}` : ''}, at ${list[0]!.at.toISOString()})`)
        .join('; ')}`,
    );
  }

  private async assertOwnKiosks(agent: Agent, refs: Array<{ id: string; field: string }>): Promise<void> {
    const own = await this.reports.kioskIdsOfSite(agent.siteId, refs.map((r) => r.id));
    const foreign = refs.find((r) => !own.has(r.id));
    if (foreign) {
      throw badRequest('KIOSK_NOT_OF_AGENT_SITE', `${foreign.field}: ${foreign.id} is not a kiosk of this agent's site; nothing was stored`, foreign.field);
    }
  }
}
