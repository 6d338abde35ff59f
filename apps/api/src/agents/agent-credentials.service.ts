import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { conflict, unauthorized } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { SitesRepository } from '../sites/sites.repository';
import { SitesService } from '../sites/sites.service';
import { Agent } from './agent.entity';
import { AgentAuthCache } from './agent-auth-cache';
import { ENROLMENT_CODE_TTL_MS, hashSecret, newAgentToken, newEnrolmentCode, normalizeEnrolmentCode } from './agent-credentials';
import { AgentsRepository } from './agents.repository';
import { AgentsService, publicAgent } from './agents.service';
import { EnrolmentCodesRepository } from './enrolment-codes.repository';

export interface EnrolmentRequest {
  code: string;
  name: string;
  hostname: string;
  version: string;
  subnets: string[];
}

/**
 * How an agent gets and loses its token: enrolment codes made by ops, the
 * enrolment itself, revocation and rotation. Every change is audited in its
 * own transaction; a token is returned once and only its hash is kept.
 */
@Injectable()
export class AgentCredentialsService {
  constructor(
    private readonly db: Database,
    private readonly agents: AgentsRepository,
    private readonly agentsService: AgentsService,
    private readonly codes: EnrolmentCodesRepository,
    private readonly sites: SitesService,
    private readonly siteRows: SitesRepository,
    private readonly audit: AuditService,
    private readonly authCache: AgentAuthCache,
  ) {}

  createEnrolmentCode(p: Principal, siteId: string, apiOrigin: string) {
    return this.newCode(p, siteId, null, apiOrigin);
  }

  /**
   * Re-enrolment in place: a code bound to this agent. Enrolling with it gives the
   * same agent (id, site, name, subnets unless it reports its own, history) a new
   * token; its current token keeps working until then, so a Pi that still runs is
   * not cut off by making the code (revoke first where the old token must stop now).
   */
  async createReenrolmentCode(p: Principal, agentId: string, apiOrigin: string) {
    const { agent } = await this.visibleAgent(p, agentId);
    return { ...(await this.newCode(p, agent.siteId, agent.id, apiOrigin)), agentId: agent.id };
  }

  private newCode(p: Principal, siteId: string, forAgentId: string | null, apiOrigin: string) {
    return this.db.transaction(async () => {
      const site = await this.sites.get(p, siteId);
      const code = newEnrolmentCode();
      const now = new Date();
      const row = {
        id: randomUUID(),
        siteId: site.id,
        codeHash: hashSecret(normalizeEnrolmentCode(code)),
        createdBy: p.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ENROLMENT_CODE_TTL_MS),
        forAgentId,
      };
      await this.codes.insert(row);
      await this.audit.record({
        action: 'create',
        entityType: 'enrolment_code',
        entityId: row.id,
        hospitalId: site.hospitalId,
        after: { siteId: site.id, expiresAt: row.expiresAt, ...(forAgentId && { forAgentId }) },
      });
      return {
        id: row.id,
        siteId: site.id,
        code,
        expiresAt: row.expiresAt,
        installCommand: `sudo WAKEWARD_API_URL=${apiOrigin} wakeward-agent enroll --code ${code}`,
      };
    });
  }

  /**
   * Exchanges a code for a token: creates the agent, or re-enrols the agent of that
   * name at the code's site (its old token stops working). Nothing is stored when
   * the code is unknown, expired or already used.
   */
  enroll(input: EnrolmentRequest): Promise<{ agentId: string; token: string }> {
    return this.authCache.afterChange(this.enrollOnce(input), (r) => r.agentId);
  }

  private enrollOnce(input: EnrolmentRequest): Promise<{ agentId: string; token: string }> {
    return this.db.transaction(async () => {
      const now = new Date();
      const code = await this.codes.getByHash(hashSecret(normalizeEnrolmentCode(input.code)));
      if (!code) throw unauthorized('ENROLMENT_CODE_INVALID', 'unknown enrolment code');
      if (code.usedAt) throw conflict('ENROLMENT_CODE_USED', 'this enrolment code has already been used; create a new one');
      if (code.expiresAt.getTime() <= now.getTime()) {
        throw unauthorized('ENROLMENT_CODE_EXPIRED', 'this enrolment code has expired; create a new one');
      }
      const site = await this.siteRows.getById(code.siteId);
      if (!site) throw unauthorized('ENROLMENT_CODE_INVALID', 'unknown enrolment code');

      const token = newAgentToken();
      // A code made for an agent re-enrols that agent, whatever name the Pi gives.
      const bound = code.forAgentId ? await this.agents.getById(code.forAgentId) : null;
      if (code.forAgentId && bound?.siteId !== site.id) {
        throw unauthorized('ENROLMENT_CODE_INVALID', 'the agent this code was made for no longer exists; create a new code');
      }
      const existing = bound ?? (await this.agents.getBySiteAndName(site.id, input.name));
      const before = existing ? publicAgent(existing) : undefined;
      const agent =
        existing ??
        Object.assign(new Agent(), {
          id: randomUUID(),
          siteId: site.id,
          name: input.name,
          location: '',
          lastHeartbeatAt: null,
          clockSkewMs: null,
          uptimeS: null,
          bufferedCount: null,
        });
      Object.assign(agent, {
        ...newToken(agent, token),
        hostname: input.hostname,
        version: input.version,
        // The agent knows which VLANs it sits in; keep what ops entered if it reports none.
        subnets: input.subnets.length ? input.subnets : (agent.subnets ?? []),
      });
      await this.agents.save(agent).catch(tokenClash);
      if (!(await this.codes.markUsed(code.id, agent.id, now))) {
        throw conflict('ENROLMENT_CODE_USED', 'this enrolment code has already been used; create a new one');
      }
      await this.audit.record({
        action: existing ? 'update' : 'create',
        entityType: 'agent',
        entityId: agent.id,
        hospitalId: site.hospitalId,
        before,
        after: { ...publicAgent(agent), enrolledWithCode: code.id, ...(bound && { reenrolledInPlace: true }) },
        actorName: `agent:${input.name}`.slice(0, 64),
      });
      return { agentId: agent.id, token };
    });
  }

  /** The agent's token stops working at the next request. */
  revoke(p: Principal, agentId: string) {
    const revoked = this.db.transaction(async () => {
      const { agent, hospitalId } = await this.visibleAgent(p, agentId);
      const before = publicAgent(agent);
      if (agent.tokenHash && !agent.tokenRevokedAt) {
        // Refusals are counted from the revocation: a Pi still sending the token shows up.
        Object.assign(agent, { tokenRevokedAt: new Date(), tokenRevokedBy: p.username, ...noRefusals });
      }
      await this.agents.save(agent);
      await this.audit.record({ action: 'update', entityType: 'agent_token', entityId: agent.id, hospitalId, before: tokenState(before), after: tokenState(publicAgent(agent)) });
      return publicAgent(agent);
    });
    return this.authCache.afterChange(revoked, (a) => a.id);
  }

  /** A new token, shown once; the old one stops working at once. */
  rotate(p: Principal, agentId: string) {
    const rotated = this.db.transaction(async () => {
      const { agent, hospitalId } = await this.visibleAgent(p, agentId);
      const before = publicAgent(agent);
      const token = newAgentToken();
      Object.assign(agent, newToken(agent, token));
      await this.agents.save(agent).catch(tokenClash);
      await this.audit.record({
        action: 'update',
        entityType: 'agent_token',
        entityId: agent.id,
        hospitalId,
        before: tokenState(before),
        after: { ...tokenState(publicAgent(agent)), rotatedAt: new Date() },
      });
      return { agentId: agent.id, token };
    });
    return this.authCache.afterChange(rotated, (r) => r.agentId);
  }

  private async visibleAgent(p: Principal, agentId: string) {
    await this.agentsService.get(p, agentId); // 404 for agents the user may not see
    const agent = (await this.agents.getById(agentId))!;
    const site = await this.sites.get(p, agent.siteId);
    return { agent, hospitalId: site.hospitalId };
  }
}

function tokenState(a: ReturnType<typeof publicAgent>) {
  return { agentId: a.id, name: a.name, enrolled: a.enrolled, tokenRevokedAt: a.tokenRevokedAt, tokenRevokedBy: a.tokenRevokedBy };
}

const noRefusals = { tokenRefusals: 0, tokenRefusedSince: null, tokenLastRefusedAt: null };

/**
 * The fields of a new token: the one it replaces is kept as `previousTokenHash`, so a
 * Pi still sending it (restored from a backup, missed the rotation) is counted as
 * refused for this agent rather than as a stranger.
 */
function newToken(agent: Agent, token: string) {
  return {
    previousTokenHash: agent.tokenHash ?? agent.previousTokenHash ?? null,
    tokenHash: hashSecret(token),
    tokenRevokedAt: null,
    tokenRevokedBy: null,
    ...noRefusals,
  };
}

/** 256 random bits never collide; if they ever did, the caller simply retries. */
function tokenClash(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY && String((err as Error).message).includes('token_hash')) {
    throw conflict('AGENT_TOKEN_CLASH', 'token collision; try again');
  }
  if (mysqlErrno(err) === ER_DUP_ENTRY) throw conflict('AGENT_NAME_TAKEN', 'the site has another agent with this name', 'name');
  throw err;
}
