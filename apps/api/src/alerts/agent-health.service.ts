import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { AGENT_OFFLINE_AFTER_MS } from '../agents/agents.service';
import { AgentsRepository } from '../agents/agents.repository';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { SitesRepository } from '../sites/sites.repository';
import { alertSummary } from './alert-text';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

export const agentOfflineKey = (agentId: string) => `agent_offline:${agentId}`;
/** Agents with an open agent_offline alert: a heartbeat asks Redis, not MySQL, whether it ends one. */
const OFFLINE_SET = 'alerts:agents-offline';

/**
 * Agents gone silent and sites whose agents came back. Every ALERT_CHECK_INTERVAL_S
 * the worker opens `agent_offline` for each enrolled agent without a heartbeat for
 * AGENT_OFFLINE_ALERT_AFTER_S (revoked or removed agents never alert), and resolves
 * what no longer holds: agents beating again (normally at their first heartbeat
 * already), revoked or removed ones, and `no_agent` of sites with an online agent.
 */
@Injectable()
export class AgentHealthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly agents: AgentsRepository,
    private readonly sites: SitesRepository,
    private readonly alerts: AlertsRepository,
    private readonly service: AlertsService,
  ) {}

  async check(now = new Date()): Promise<{ opened: number; resolved: number }> {
    let opened = 0;
    let resolved = 0;
    const silent = await this.agents.getEnrolledSilentSince(
      new Date(now.getTime() - this.config.alerts.agentOfflineAfterMs),
    );
    const sites = new Map(
      (await Promise.all([...new Set(silent.map((a) => a.siteId))].map((id) => this.sites.getById(id))))
        .filter((s) => s !== null)
        .map((s) => [s.id, s]),
    );
    for (const agent of silent) {
      const site = sites.get(agent.siteId);
      if (!site) continue;
      const details = {
        agentName: agent.name,
        siteName: site.name,
        timeZone: site.timeZone,
        lastHeartbeatAt: agent.lastHeartbeatAt!.toISOString(),
      };
      const alert = await this.service.raise(
        {
          kind: 'agent_offline',
          openKey: agentOfflineKey(agent.id),
          hospitalId: site.hospitalId,
          siteId: site.id,
          agentId: agent.id,
          message: alertSummary('agent_offline', details, 'en'),
          details,
        },
        now,
      );
      if (alert.openedAt.getTime() === now.getTime()) opened++;
      await this.redis.sadd(OFFLINE_SET, agent.id);
    }

    const silentIds = new Set(silent.map((a) => a.id));
    const offlineAlerts = await this.alerts.unresolvedOfKind('agent_offline');
    for (const alert of offlineAlerts.filter((a) => a.agentId && !silentIds.has(a.agentId))) {
      // Beating again, revoked or removed: the condition is gone.
      await this.service.resolve(alert.openKey!, now);
      await this.redis.srem(OFFLINE_SET, alert.agentId!);
      resolved++;
    }

    for (const alert of await this.alerts.unresolvedOfKind('no_agent')) {
      const online = (await this.agents.getEnrolledBySite(alert.siteId!)).some(
        (a) => a.lastHeartbeatAt && now.getTime() - a.lastHeartbeatAt.getTime() < AGENT_OFFLINE_AFTER_MS,
      );
      if (online) {
        await this.service.resolve(alert.openKey!, now);
        resolved++;
      }
    }
    return { opened, resolved };
  }

  /** Called for every heartbeat: one Redis round trip, and MySQL only for an agent that had an alert. */
  async heartbeatReceived(agentId: string, now = new Date()): Promise<void> {
    if (await this.redis.srem(OFFLINE_SET, agentId)) await this.service.resolve(agentOfflineKey(agentId), now);
  }
}
