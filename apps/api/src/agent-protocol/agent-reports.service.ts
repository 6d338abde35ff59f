import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { z } from 'zod';
import type { Agent } from '../agents/agent.entity';
import { AgentHealthService } from '../alerts/agent-health.service';
import { HeartbeatRecorder } from '../agents/heartbeat-recorder';
import { badRequest, tooLarge } from '../common/errors';
import { parseInput } from '../common/validation';
import { OfflineActionsService } from '../dispatch/offline-actions.service';
import { KioskProbesService } from '../liveness/kiosk-probes.service';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { LiveEventsService } from '../live/live-events.service';
import { SitesRepository } from '../sites/sites.repository';
import { ReadingsIngestService } from '../telemetry/readings-ingest.service';
import { heartbeatBody, MAX_READINGS_PER_REQUEST, OfflineActionInput, ProbeReport, readingsBody } from './agent-protocol.dto';

const INT32_MAX = 2_147_483_647;
const clampInt = (n: number) => Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(n)));

/**
 * What agents send in: heartbeats, probes, offline actions, readings. Checked here
 * as the protocol says (shape, size, kiosks of the agent's own site), then handed to
 * the domain that owns each: probes to the fleet, offline actions to dispatch,
 * readings to telemetry.
 */
@Injectable()
export class AgentReportsService {
  constructor(
    private readonly heartbeats: HeartbeatRecorder,
    private readonly kiosks: KiosksRepository,
    private readonly sites: SitesRepository,
    private readonly live: LiveEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly agentHealth: AgentHealthService,
    private readonly kioskProbes: KioskProbesService,
    private readonly offline: OfflineActionsService,
    private readonly readingsIngest: ReadingsIngestService,
  ) {}

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

  /** An agent probes only kiosks of its own site: any other kiosk id rejects the whole report. */
  async probes(agent: Agent, report: ProbeReport): Promise<void> {
    await this.assertOwnKiosks(agent, report.results.map((r, i) => ({ id: r.kioskId, field: `results.${i}.kioskId` })));
    await this.kioskProbes.record(agent, report);
  }

  async offlineActions(agent: Agent, actions: OfflineActionInput[]): Promise<void> {
    await this.assertOwnKiosks(
      agent,
      actions.flatMap((a, i) => a.kioskIds.map((id, j) => ({ id, field: `actions.${i}.kioskIds.${j}` }))),
    );
    await this.offline.record(agent, actions);
  }

  /** The batch size is checked before anything else: 413 for more than 5,000, as PROTOCOL.md says. */
  async readings(agent: Agent, body: unknown): Promise<{ ackSeq: number }> {
    const count = (body as { readings?: unknown } | null)?.readings;
    if (Array.isArray(count) && count.length > MAX_READINGS_PER_REQUEST) {
      throw tooLarge('BATCH_TOO_LARGE', `at most ${MAX_READINGS_PER_REQUEST} readings a request (got ${count.length}); nothing was stored`);
    }
    const { readings } = parseInput(readingsBody, body);
    if (!readings.length) return { ackSeq: await this.readingsIngest.highestSeq(agent.id) };
    await this.readingsIngest.ingest(agent, readings);
    // Refused readings are acknowledged too: the agent's buffer must drain, not stick on one bad reading.
    return { ackSeq: Math.max(...readings.map((r) => r.seq)) };
  }

  private async assertOwnKiosks(agent: Agent, refs: Array<{ id: string; field: string }>): Promise<void> {
    const own = await this.kiosks.idsInSite(agent.siteId, refs.map((r) => r.id));
    const foreign = refs.find((r) => !own.has(r.id));
    if (foreign) {
      throw badRequest('KIOSK_NOT_OF_AGENT_SITE', `${foreign.field}: ${foreign.id} is not a kiosk of this agent's site; nothing was stored`, foreign.field);
    }
  }
}
