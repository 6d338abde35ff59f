import { Injectable } from '@nestjs/common';
import type { AlertKind } from '../alerts/alert.entity';
import { AlertsService, publicAlert } from '../alerts/alerts.service';
import { AlertWebhookService } from './alert-webhook.service';
import { ReadingsRepository } from './readings.repository';
import { RollupsRepository } from './rollups.repository';
import { EnvironmentAgent, SiteEnvironmentRepository } from './site-environment.repository';
import { ConditionKind, DEFAULT_THRESHOLDS, evaluateAgent, lookbackMinutes, Sensor, Thresholds, Verdict } from './threshold-rules';

const MIN = 60_000;
/** How far back "silent" looks for a sensor that ever gave a value. */
const SILENT_HORIZON_MS = 24 * 3_600_000;

/** One open alert per agent and condition: `env:<kind>:<agentId>[:<sensor>]`. */
export const environmentAlertKey = (kind: ConditionKind, agentId: string, sensor?: Sensor) => `env:${kind}:${agentId}${sensor ? `:${sensor}` : ''}`;

/**
 * Applies every site's thresholds to its agents' recent readings: opens an alert
 * (once: AlertsService deduplicates on the key), resolves it once the condition has
 * been false for `clearForMinutes`, and sends both to the webhook.
 */
@Injectable()
export class AlertEvaluationService {
  constructor(
    private readonly env: SiteEnvironmentRepository,
    private readonly readings: ReadingsRepository,
    private readonly rollups: RollupsRepository,
    private readonly alerts: AlertsService,
    private readonly webhook: AlertWebhookService,
  ) {}

  async run(now = new Date(), siteId?: string): Promise<{ opened: number; resolved: number }> {
    const agents = await this.env.activeAgents(siteId);
    const bySite = new Map<string, EnvironmentAgent[]>();
    for (const a of agents) bySite.set(a.siteId, [...(bySite.get(a.siteId) ?? []), a]);
    const stored = await this.env.thresholdsOfSites([...bySite.keys()]);
    const open = await this.env.openEnvironmentAlertKeys([...bySite.keys()]);
    const totals = { opened: 0, resolved: 0 };
    for (const [site, siteAgents] of bySite) {
      const t = { ...DEFAULT_THRESHOLDS, ...stored.get(site) };
      const r = await this.evaluateSite(siteAgents, t, open, now);
      totals.opened += r.opened;
      totals.resolved += r.resolved;
    }
    return totals;
  }

  private async evaluateSite(agents: EnvironmentAgent[], t: Thresholds, open: Set<string>, now: Date) {
    const ids = agents.map((a) => a.id);
    const recent = await this.readings.recentByAgent(ids, new Date(now.getTime() - lookbackMinutes(t) * MIN));
    const quiet = ids.filter((id) => !recent.has(id));
    const older = await this.rollups.lastSeenByAgent(quiet, new Date(now.getTime() - SILENT_HORIZON_MS));
    let opened = 0;
    let resolved = 0;
    for (const agent of agents) {
      const readings = recent.get(agent.id) ?? [];
      const last = (pick: (r: (typeof readings)[number]) => boolean) => readings.filter(pick).reduce<number | null>((m, r) => Math.max(m ?? 0, r.at), null);
      const lastSeen = recent.has(agent.id)
        ? { dht11: last((r) => r.temperatureC !== null || r.humidityPct !== null), mq2: last((r) => r.smokeRaw !== null || r.smokeAlarm !== null) }
        : (older.get(agent.id) ?? { dht11: null, mq2: null });
      // A sensor absent from the recent readings of an agent that still reports: look further back.
      if (recent.has(agent.id) && (lastSeen.dht11 === null || lastSeen.mq2 === null)) {
        const back = (await this.rollups.lastSeenByAgent([agent.id], new Date(now.getTime() - SILENT_HORIZON_MS))).get(agent.id);
        lastSeen.dht11 ??= back?.dht11 ?? null;
        lastSeen.mq2 ??= back?.mq2 ?? null;
      }
      for (const c of evaluateAgent(readings, lastSeen, t, now.getTime())) {
        const key = environmentAlertKey(c.kind, agent.id, c.sensor);
        if (c.verdict.state === 'open') {
          const alert = await this.alerts.raise(
            {
              kind: c.kind as AlertKind,
              openKey: key,
              hospitalId: agent.hospitalId,
              siteId: agent.siteId,
              agentId: agent.id,
              message: describe(c.kind, agent.name, t, c.verdict, c.sensor),
              details: { ...c.verdict.details, ...forMinutesOf(c.kind, t), agentName: agent.name, ...(c.sensor && { sensor: c.sensor }) },
            },
            now,
          );
          if (!open.has(key) && alert.openedAt.getTime() === now.getTime()) {
            opened++;
            open.add(key);
            await this.webhook.enqueue(t.webhookUrl, 'alert.opened', publicAlert(alert));
          }
        } else if (c.verdict.state === 'clear' && open.has(key)) {
          await this.alerts.resolve(key, now);
          open.delete(key);
          resolved++;
          await this.webhook.enqueue(t.webhookUrl, 'alert.resolved', {
            kind: c.kind,
            siteId: agent.siteId,
            hospitalId: agent.hospitalId,
            agentId: agent.id,
            resolvedAt: now.toISOString(),
          });
        }
      }
    }
    return { opened, resolved };
  }
}

/** How long the condition had to last, for the console to say it as the English message does. */
function forMinutesOf(kind: ConditionKind, t: Thresholds): { forMinutes?: number } {
  if (kind === 'temperature_high') return { forMinutes: t.temperatureForMinutes };
  if (kind === 'humidity_high') return { forMinutes: t.humidityForMinutes };
  return {};
}

function describe(kind: ConditionKind, agent: string, t: Thresholds, v: Verdict & { state: 'open' }, sensor?: Sensor): string {
  switch (kind) {
    case 'temperature_high':
      return `${agent}: temperature ${v.details.latest} °C, over ${t.temperatureMaxC} °C for ${t.temperatureForMinutes} min or more`;
    case 'humidity_high':
      return `${agent}: humidity ${v.details.latest} %, over ${t.humidityMaxPct} % for ${t.humidityForMinutes} min or more`;
    case 'smoke':
      return `${agent}: smoke alarm (MQ-2)`;
    case 'sensor_silent':
      return `${agent}: ${sensor === 'mq2' ? 'smoke sensor (MQ-2)' : 'temperature/humidity sensor (DHT11)'} silent for ${t.silentForMinutes} min or more`;
  }
}
