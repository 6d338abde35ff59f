import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AgentsRepository } from '../agents/agents.repository';
import { AuditService } from '../audit/audit.service';
import { canRead, scopeHospitalFilter } from '../common/access';
import { AccessService, notFoundError } from '../common/access.service';
import { conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import type { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { SitesRepository } from '../sites/sites.repository';
import { SitesService } from '../sites/sites.service';
import { UsersRepository } from '../users/users.repository';
import { connectThroughReplica } from './relay-hop';
import { HopTicket, RelayRegistryRepository } from './relay-registry.repository';
import { RelayHolder, RelayReplicas } from './relay-replicas';
import type { RemoteRoute } from './remote-route';
import { RemoteSessionEnd, RemoteSessionStart, RemoteSessionsRepository } from './remote-sessions.repository';
import { RemoteTarget, RemoteTargets } from './remote-targets';
import { ScreenTicketsRepository } from './screen-tickets.repository';
import { KioskConnectError, ScreenClose, ScreenCloseReason } from './screen-errors';
import { afterRfbGreeting, connectDirect, Upstream } from './upstream';
import { ViewerSlotsRepository } from './viewer-slots.repository';

/** Who may take control of a kiosk's screen; everyone who may see the kiosk may watch it. */
export function canControlScreens(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'ops';
}

/** A refusal while opening a session: closes the viewer's WebSocket with this reason. */
export class ScreenRefused extends Error {
  constructor(
    readonly reason: ScreenCloseReason,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenedScreen {
  session: RemoteSessionStart;
  upstream: Upstream;
}

/**
 * Remote screens: who may open which kiosk's screen, tickets, the route to the
 * kiosk's VNC port (direct or through an agent), the per-site viewer limit, and the
 * audit of every session (a `remote_sessions` row plus audit entries at start, on
 * taking control, and at the end).
 */
@Injectable()
export class RemoteService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly kiosks: KiosksService,
    private readonly kioskRows: KiosksRepository,
    private readonly sites: SitesService,
    private readonly siteRows: SitesRepository,
    private readonly users: UsersRepository,
    private readonly agents: AgentsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly sessions: RemoteSessionsRepository,
    private readonly tickets: ScreenTicketsRepository,
    private readonly slots: ViewerSlotsRepository,
    private readonly relays: RelayReplicas,
    private readonly registry: RelayRegistryRepository,
    private readonly targets: RemoteTargets,
    private readonly db: Database,
  ) {}

  async issueTicket(p: Principal, kioskId: string) {
    const kiosk = await this.kiosks.get(p, kioskId);
    if (!kiosk.ip) throw conflict(ScreenClose.KIOSK_IP_MISSING.code, `kiosk ${kiosk.code} has no IP address`);
    const route = (await this.sessions.routeOfSite(kiosk.siteId)) ?? 'direct';
    const target = await this.targetOf(p, kiosk, route);
    if ('refused' in target) {
      await this.recordRefusal(kiosk, route, 'ticket', ScreenClose.TARGET_REFUSED, target.refused);
      throw conflict(ScreenClose.TARGET_REFUSED.code, target.refused);
    }
    if (route === 'agent' && !(await this.relays.holderOf(target.agentIds))) {
      throw conflict(ScreenClose.NO_AGENT.code, `no online agent of the site reaches kiosk ${kiosk.code} (${kiosk.ip})`);
    }
    const canControl = canControlScreens(p);
    // Watchers leave the site's last slot to those who may take control (ViewerSlotsRepository).
    const limit = this.config.remote.maxViewersPerSite;
    const open = limit > 1 && !canControl ? limit - 1 : limit;
    if ((await this.slots.inUse(kiosk.siteId)) >= open) {
      throw conflict(ScreenClose.VIEWER_LIMIT.code, `the site has ${limit} screen sessions open already${open < limit ? ' (one kept for operations)' : ''}; close one first`);
    }
    const ttl = this.config.remote.ticketTtlMs;
    const ticket = await this.tickets.issue(
      { userId: p.userId, sessionId: p.sessionId, kioskId: kiosk.id, canControl, issuedAt: new Date().toISOString() },
      ttl,
    );
    return {
      ticket,
      path: `/api/remote/kiosks/${kiosk.id}/screen?ticket=${ticket}`,
      expiresAt: new Date(Date.now() + ttl).toISOString(),
      kiosk: { id: kiosk.id, code: kiosk.code, name: kiosk.name },
      route,
      viewOnly: true,
      canControl,
      compressionLevel: this.config.remote.compressionLevel,
      qualityLevel: this.config.remote.qualityLevel,
      idleTimeoutS: Math.round(this.config.remote.idleTimeoutMs / 1000),
    };
  }

  /**
   * Redeems the ticket (once), checks the user's rights and the kiosk's address again
   * (it may have changed since the ticket), takes a viewer slot of the site, connects
   * to the kiosk and reads its RFB greeting. Throws ScreenRefused.
   */
  async open(p: Principal, ticketId: string, kioskId: string): Promise<OpenedScreen> {
    const ticket = await this.tickets.redeem(ticketId);
    // Bound to the session, not only the user: a ticket leaked from one browser opens nothing in another.
    if (!ticket || ticket.userId !== p.userId || ticket.sessionId !== p.sessionId || ticket.kioskId !== kioskId) {
      await this.access.denied('remote_ticket', kioskId.slice(0, 64), null);
      throw new ScreenRefused(ScreenClose.TICKET_INVALID, 'the ticket is unknown, used, expired or not of this session for this kiosk');
    }
    const kiosk = await this.kioskRows.getById(kioskId);
    if (!kiosk || !canRead(p, kiosk.hospitalId)) throw new ScreenRefused(ScreenClose.KIOSK_NOT_FOUND, notFoundError('kiosk', kioskId).message);
    if (!kiosk.ip) throw new ScreenRefused(ScreenClose.KIOSK_IP_MISSING, `kiosk ${kiosk.code} has no IP address`);
    const route: RemoteRoute = (await this.sessions.routeOfSite(kiosk.siteId)) ?? 'direct';
    const target = await this.targetOf(p, kiosk, route);
    if ('refused' in target) {
      await this.recordRefusal(kiosk, route, 'open', ScreenClose.TARGET_REFUSED, target.refused);
      throw new ScreenRefused(ScreenClose.TARGET_REFUSED, target.refused);
    }
    // Whichever replica holds the channel: this one, or another reached by a hop.
    const channel = route === 'agent' ? await this.relays.holderOf(target.agentIds) : null;
    if (route === 'agent' && !channel) {
      throw new ScreenRefused(ScreenClose.NO_AGENT, `no online agent of the site reaches kiosk ${kiosk.code} (${kiosk.ip})`);
    }

    const sessionId = randomUUID();
    const slot = { userId: p.userId, sessionId, viewOnly: !canControlScreens(p) };
    const refusal = await this.slots.take(kiosk.siteId, slot, this.config.remote.maxViewersPerSite);
    if (refusal === 'own-session-open') {
      throw new ScreenRefused(ScreenClose.OWN_SESSION_OPEN, 'you are watching a screen of this site already; close it first');
    }
    if (refusal) throw new ScreenRefused(ScreenClose.VIEWER_LIMIT, 'the site has reached its limit of concurrent screen sessions');
    let upstream: Upstream;
    try {
      upstream = await this.connect(kiosk, channel, p.userId);
    } catch (err) {
      await this.slots.release(kiosk.siteId, slot);
      if (!(err instanceof KioskConnectError)) throw err;
      if (err.reason === ScreenClose.TARGET_REFUSED || err.reason === ScreenClose.NOT_VNC) {
        await this.recordRefusal(kiosk, route, 'open', err.reason, err.message, channel && agentOf(channel));
      }
      throw new ScreenRefused(err.reason, err.message);
    }
    const session: RemoteSessionStart = {
      id: sessionId,
      hospitalId: kiosk.hospitalId,
      siteId: kiosk.siteId,
      kioskId: kiosk.id,
      kioskCode: kiosk.code,
      userId: p.userId,
      username: p.username,
      route,
      agentId: upstream.agentId,
      target: `${kiosk.ip}:${kiosk.vncPort}`,
      controlAllowed: ticket.canControl && canControlScreens(p),
      startedAt: new Date(),
    };
    try {
      await this.changeSession(session, 'create', () => this.sessions.insertStarted(session), {
        after: { kioskId: kiosk.id, kioskCode: kiosk.code, route, agentId: session.agentId, mode: 'view', controlAllowed: session.controlAllowed, startedAt: session.startedAt },
      });
    } catch (err) {
      upstream.close();
      await this.slots.release(kiosk.siteId, slot);
      throw err;
    }
    return { session, upstream };
  }

  /**
   * On the replica holding an agent's channel, for a hop ticket another replica issued:
   * where the stream may go, read again from MySQL and checked as the viewer's replica
   * checked it (the user may still see the kiosk, the site's route is the agent's, the
   * address and port pass RemoteTargets, and this agent is one of the site's that reach
   * it). Nothing of the ticket but ids is trusted: Redis is no authority on addresses.
   * Throws KioskConnectError with a message that names no address.
   */
  async hopTarget(ticket: HopTicket): Promise<{ host: string; port: number }> {
    const refuse = async (reason: ScreenCloseReason, why: string, kiosk?: Kiosk) => {
      const message = `the relay refused the stream: ${why}`;
      if (kiosk) await this.recordRefusal(kiosk, 'agent', 'open', reason, `${message} (relay hop for agent ${ticket.agentId}, user ${ticket.userId})`, ticket.agentId);
      return new KioskConnectError(reason, message);
    };
    const [user, kiosk] = await Promise.all([this.users.getById(ticket.userId), this.kioskRows.getById(ticket.kioskId)]);
    if (!kiosk) throw await refuse(ScreenClose.KIOSK_NOT_FOUND, 'the kiosk no longer exists');
    if (!user || user.disabled) throw await refuse(ScreenClose.SESSION_ENDED, 'the viewer\'s account is gone or disabled', kiosk);
    const hospitals = user.role === 'admin' || user.role === 'ops' ? 'all' : await this.users.hospitalIdsOf(user.id);
    if (hospitals !== 'all' && !hospitals.includes(kiosk.hospitalId)) throw await refuse(ScreenClose.KIOSK_NOT_FOUND, 'the viewer may not see this kiosk', kiosk);
    if (!kiosk.ip) throw await refuse(ScreenClose.KIOSK_IP_MISSING, `kiosk ${kiosk.code} has no IP address`, kiosk);
    if (((await this.sessions.routeOfSite(kiosk.siteId)) ?? 'direct') !== 'agent') {
      throw await refuse(ScreenClose.TARGET_REFUSED, `the site of kiosk ${kiosk.code} is not reached through agents`, kiosk);
    }
    const [site, agents] = await Promise.all([this.siteRows.getById(kiosk.siteId), this.agents.getEnrolledBySite(kiosk.siteId)]);
    if (!site) throw await refuse(ScreenClose.KIOSK_NOT_FOUND, 'the kiosk\'s site no longer exists', kiosk);
    const target = this.targets.resolve(kiosk, 'agent', site, agents);
    if ('refused' in target) throw await refuse(ScreenClose.TARGET_REFUSED, target.refused, kiosk);
    if (!target.agentIds.includes(ticket.agentId)) {
      throw await refuse(ScreenClose.TARGET_REFUSED, `the agent is not one of those of kiosk ${kiosk.code}'s site that reach it`, kiosk);
    }
    return { host: kiosk.ip, port: kiosk.vncPort };
  }

  async controlTaken(session: RemoteSessionStart): Promise<void> {
    await this.changeSession(session, 'update', () => this.sessions.markControlUsed(session.id), {
      before: { mode: 'view' },
      after: { mode: 'control', kioskCode: session.kioskCode },
    });
  }

  async renewSlot(session: RemoteSessionStart): Promise<void> {
    await this.slots.renew(session.siteId, { userId: session.userId, sessionId: session.id });
  }

  async ended(session: RemoteSessionStart, end: RemoteSessionEnd): Promise<void> {
    await this.slots.release(session.siteId, { userId: session.userId, sessionId: session.id });
    await this.changeSession(session, 'update', () => this.sessions.markEnded(session.id, end), {
      before: { endedAt: null },
      after: {
        kioskCode: session.kioskCode,
        route: session.route,
        mode: end.controlUsed ? 'control' : 'view',
        startedAt: session.startedAt,
        endedAt: end.endedAt,
        bytesToViewer: end.bytesToViewer,
        bytesFromViewer: end.bytesFromViewer,
        reason: end.endReason,
      },
    });
  }

  /** A change to a session's row and its audit entry, in one transaction: whoever reads one also finds the other. */
  private changeSession(
    session: RemoteSessionStart,
    action: 'create' | 'update',
    change: () => Promise<void>,
    entry: { before?: unknown; after: unknown },
  ): Promise<void> {
    return this.db.transaction(async () => {
      await change();
      await this.audit.record({ action, entityType: 'remote_session', entityId: session.id, hospitalId: session.hospitalId, ...entry });
    });
  }

  /**
   * `token: host:port` lines for a self-run websockify (TokenFile plugin): the site's
   * kiosks whose address the relay itself would connect to by the direct route.
   */
  async websockifyTokens(p: Principal, siteId: string): Promise<string> {
    const site = await this.sites.get(p, siteId);
    const kiosks = await this.kioskRows.getBySite(siteId);
    return kiosks
      .filter((k) => k.ip && !this.targets.directRefusal(k, site))
      .map((k) => `${k.code}: ${k.ip}:${k.vncPort}\n`)
      .join('');
  }

  async routeOf(p: Principal, siteId: string) {
    const site = await this.sites.get(p, siteId);
    const route = (await this.sessions.routeOfSite(site.id)) ?? 'direct';
    const agents = await this.agents.getEnrolledBySite(site.id);
    return {
      siteId: site.id,
      route,
      maxViewers: this.config.remote.maxViewersPerSite,
      viewers: await this.slots.inUse(site.id),
      // From the registry in Redis: the same on every replica, wherever each channel sits.
      relayAgents: await this.relays.connected(agents.map((a) => a.id)).then((ids) => agents.filter((a) => ids.has(a.id)).map((a) => ({ id: a.id, name: a.name }))),
    };
  }

  async setRoute(p: Principal, siteId: string, route: RemoteRoute) {
    const site = await this.sites.get(p, siteId);
    const before = (await this.sessions.routeOfSite(site.id)) ?? 'direct';
    if (before !== route) {
      await this.db.transaction(async () => {
        await this.sessions.setRouteOfSite(site.id, route);
        await this.audit.record({
          action: 'update',
          entityType: 'site',
          entityId: site.id,
          hospitalId: site.hospitalId,
          before: { remoteRoute: before },
          after: { remoteRoute: route },
        });
      });
    }
    return this.routeOf(p, siteId);
  }

  listSessions(p: Principal, f: { kioskId?: string; siteId?: string; limit: number }) {
    return this.sessions.search({ hospitalIds: scopeHospitalFilter(p), ...f });
  }

  /** Whether the relay may connect to the kiosk by this route, and through which agents. */
  private async targetOf(p: Principal, kiosk: Kiosk, route: RemoteRoute): Promise<RemoteTarget> {
    const site = await this.sites.get(p, kiosk.siteId);
    const agents = route === 'agent' ? await this.agents.getEnrolledBySite(kiosk.siteId) : [];
    return this.targets.resolve(kiosk, route, site, agents);
  }

  /** Kept whatever happens to the request, so that a reviewer sees every attempt at a refused target. */
  private recordRefusal(kiosk: Kiosk, route: RemoteRoute, stage: 'ticket' | 'open', reason: ScreenCloseReason, message: string, agentId?: string | null) {
    return this.audit.recordDetached({
      action: 'access_denied',
      entityType: 'remote_target',
      entityId: kiosk.id,
      hospitalId: kiosk.hospitalId,
      after: { code: reason.code, kioskCode: kiosk.code, target: `${kiosk.ip}:${kiosk.vncPort}`, route, agentId: agentId ?? null, stage, message },
    });
  }

  /**
   * Connects directly, through an agent's channel here, or through one held by another
   * replica (a hop), and waits for the kiosk's RFB greeting.
   */
  private async connect(kiosk: Kiosk, holder: RelayHolder | null, userId: string): Promise<Upstream> {
    const timeout = this.config.remote.connectTimeoutMs;
    const target = `${kiosk.ip}:${kiosk.vncPort}`;
    if (!holder) return afterRfbGreeting(await connectDirect(kiosk.ip!, kiosk.vncPort, timeout), target, timeout);
    if ('local' in holder) {
      const channel = holder.local;
      return afterRfbGreeting(await channel.openStream(kiosk.ip!, kiosk.vncPort, timeout), `${target} (through agent ${channel.agent.name})`, timeout);
    }
    const { replica, agentId } = holder;
    const ticket = await this.registry.issueHopTicket({ replicaId: replica.id, agentId, kioskId: kiosk.id, userId }, HOP_TICKET_TTL_MS);
    // The viewer (and the audit log) hear of the agent by its name, as through a channel here; the replica's address stays in the server log.
    const agent = { id: agentId, name: (await this.agents.getById(agentId))?.name ?? agentId };
    const upstream = await connectThroughReplica(replica, agent, ticket, timeout);
    return afterRfbGreeting(upstream, `${target} (through agent ${agent.name})`, timeout);
  }
}

/** A hop ticket is redeemed by the holding replica within milliseconds of its issue. */
const HOP_TICKET_TTL_MS = 10_000;

function agentOf(holder: RelayHolder): string {
  return 'local' in holder ? holder.local.agent.id : holder.agentId;
}
