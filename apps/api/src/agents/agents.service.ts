import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { scopeHospitalFilter } from '../common/access';
import { AccessService, notFoundError } from '../common/access.service';
import { AuditService } from '../audit/audit.service';
import { conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { SitesService } from '../sites/sites.service';
import { AgentAuthCache } from './agent-auth-cache';
import { Agent } from './agent.entity';
import { createAgentBody, listAgentsQuery, updateAgentBody } from './agents.dto';
import { AgentsRepository } from './agents.repository';

/** Online means a heartbeat within the last 90 s (PROTOCOL.md). */
export const AGENT_OFFLINE_AFTER_MS = 90_000;

/** What the console sees of an agent: never its token hashes. */
export function publicAgent(a: Agent, now = new Date()) {
  const { tokenHash, previousTokenHash: _previous, ...rest } = a;
  return {
    ...rest,
    enrolled: tokenHash !== null && a.tokenRevokedAt === null,
    online: a.lastHeartbeatAt !== null && now.getTime() - a.lastHeartbeatAt.getTime() < AGENT_OFFLINE_AFTER_MS,
  };
}

/** Why an agent is or is not talking to the API, for the agents page. */
export type AgentConnection =
  | { state: 'online'; lastHeartbeatAt: Date }
  | { state: 'not_enrolled' }
  | { state: 'revoked'; at: Date; by: string | null; refusals: number; lastRefusedAt: Date | null }
  | { state: 'refused'; refusals: number; since: Date; lastRefusedAt: Date }
  | { state: 'offline'; lastHeartbeatAt: Date | null };

/**
 * Revoked wins (its Pi is locked out whatever it does); then online; then refused,
 * when a token this agent held was refused after its last heartbeat (a Pi that
 * missed a rotation or re-enrolment: re-enrol it); else plainly offline.
 */
export function agentConnection(a: Agent, now = new Date()): AgentConnection {
  if (!a.tokenHash) return { state: 'not_enrolled' };
  if (a.tokenRevokedAt) return { state: 'revoked', at: a.tokenRevokedAt, by: a.tokenRevokedBy, refusals: a.tokenRefusals, lastRefusedAt: a.tokenLastRefusedAt };
  if (a.lastHeartbeatAt && now.getTime() - a.lastHeartbeatAt.getTime() < AGENT_OFFLINE_AFTER_MS) return { state: 'online', lastHeartbeatAt: a.lastHeartbeatAt };
  if (a.tokenRefusals > 0 && a.tokenLastRefusedAt && a.tokenLastRefusedAt.getTime() > (a.lastHeartbeatAt?.getTime() ?? 0)) {
    return { state: 'refused', refusals: a.tokenRefusals, since: a.tokenRefusedSince ?? a.tokenLastRefusedAt, lastRefusedAt: a.tokenLastRefusedAt };
  }
  return { state: 'offline', lastHeartbeatAt: a.lastHeartbeatAt };
}

const withConnection = (a: Agent) => ({ ...publicAgent(a), connection: agentConnection(a) });

@Injectable()
export class AgentsService {
  constructor(
    private readonly db: Database,
    private readonly agents: AgentsRepository,
    private readonly sites: SitesService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly authCache: AgentAuthCache,
  ) {}

  async list(p: Principal, query: z.output<typeof listAgentsQuery>) {
    const { hospitalId, ...rest } = query;
    const page = await this.agents.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
    return { ...page, items: page.items.map(withConnection) };
  }

  async get(p: Principal, id: string) {
    return withConnection(await this.getVisible(p, id));
  }

  create(p: Principal, input: z.output<typeof createAgentBody>) {
    return this.db.transaction(async () => {
      const site = await this.sites.get(p, input.siteId);
      const agent = Object.assign(new Agent(), {
        id: randomUUID(),
        ...input,
        tokenHash: null,
        tokenRevokedAt: null,
        hostname: null,
        version: null,
        lastHeartbeatAt: null,
        clockSkewMs: null,
        uptimeS: null,
        bufferedCount: null,
      });
      await this.agents.save(agent).catch(duplicateName);
      await this.audit.record({ action: 'create', entityType: 'agent', entityId: agent.id, hospitalId: site.hospitalId, after: publicAgent(agent) });
      return publicAgent(agent);
    });
  }

  update(p: Principal, id: string, input: z.output<typeof updateAgentBody>) {
    const updated = this.db.transaction(async () => {
      const agent = await this.getVisible(p, id);
      const site = await this.sites.get(p, agent.siteId);
      const before = publicAgent(agent);
      Object.assign(agent, input);
      await this.agents.save(agent).catch(duplicateName);
      await this.audit.record({ action: 'update', entityType: 'agent', entityId: id, hospitalId: site.hospitalId, before, after: publicAgent(agent) });
      return publicAgent(agent);
    });
    return this.authCache.afterChange(updated, () => id);
  }

  delete(p: Principal, id: string): Promise<void> {
    const deleted = this.db.transaction(async () => {
      const agent = await this.getVisible(p, id);
      const site = await this.sites.get(p, agent.siteId);
      await this.agents.delete(id);
      await this.audit.record({ action: 'delete', entityType: 'agent', entityId: id, hospitalId: site.hospitalId, before: publicAgent(agent) });
    });
    return this.authCache.afterChange(deleted, () => id);
  }

  private async getVisible(p: Principal, id: string): Promise<Agent> {
    const agent = await this.agents.getById(id);
    if (!agent) throw notFoundError('agent', id);
    const site = await this.sites.get(p, agent.siteId).catch(() => null);
    if (!site) throw notFoundError('agent', id);
    return agent;
  }
}

function duplicateName(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY) throw conflict('AGENT_NAME_TAKEN', 'the site has another agent with this name', 'name');
  throw err;
}
