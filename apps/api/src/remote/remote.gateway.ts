import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type WebSocket } from 'ws';
import { hashSecret } from '../agents/agent-credentials';
import { AgentsRepository } from '../agents/agents.repository';
import { sessionTokenOf } from '../sessions/session-cookie';
import { AuthService } from '../auth/auth.service';
import { SessionConnections } from '../sessions/session-connections';
import { clientAddress } from '../common/client-address';
import { Principal, requestContext, RequestContext } from '../common/request-context';
import { OriginPolicy } from '../edge/origin.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AgentRelayHub, RelayClose } from './agent-relay.hub';
import { HOP_AUTH_SCHEME, pipeHop, refuseHop, RELAY_HOP_PATH } from './relay-hop';
import { RelayRegistryRepository } from './relay-registry.repository';
import { RelayReplicas } from './relay-replicas';
import { closeWith, RELAY_SOCKET_OPTIONS } from './relay-socket';
import { RemoteService, ScreenRefused } from './remote.service';
import { KioskConnectError, ScreenClose } from './screen-errors';
import { ScreenSession } from './screen-session';
import { SLOT_LEASE_MS } from './viewer-slots.repository';

export const AGENT_RELAY_PATH = '/api/agent/v1/relay';
const SCREEN_PATH = /^\/api\/remote\/kiosks\/([0-9a-f-]{36})\/screen$/;

/**
 * The two WebSocket endpoints of remote screens, on the API's HTTP server beside
 * socket.io (which keeps /socket.io): viewers at /api/remote/kiosks/:id/screen
 * (session cookie + single-use ticket) and agents' relay channels at
 * /api/agent/v1/relay (bearer token).
 */
@Injectable()
export class RemoteGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('remote');
  private readonly viewers = new WebSocketServer({ noServer: true, ...RELAY_SOCKET_OPTIONS });
  private readonly agentsWs = new WebSocketServer({ noServer: true, ...RELAY_SOCKET_OPTIONS });
  private readonly hopsWs = new WebSocketServer({ noServer: true, ...RELAY_SOCKET_OPTIONS });
  private readonly sessions = new Set<ScreenSession>();
  private server?: import('node:http').Server;
  private pingTimer?: NodeJS.Timeout;

  constructor(
    private readonly connections: SessionConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly agents: AgentsRepository,
    private readonly hub: AgentRelayHub,
    private readonly remote: RemoteService,
    private readonly origins: OriginPolicy,
    private readonly replicas: RelayReplicas,
    private readonly registry: RelayRegistryRepository,
  ) {}

  onApplicationBootstrap(): void {
    // A worker (no HTTP) has no server: remote screens run where HTTP does.
    this.server = this.adapterHost.httpAdapter?.getHttpServer?.();
    if (!this.server) return;
    this.server.on('upgrade', this.onUpgrade);
    // Agents answer pings; one that misses a whole interval is dropped.
    this.pingTimer = setInterval(() => void this.pingAgents(), this.config.remote.pingIntervalMs);
    this.replicas.start(this.server);
  }

  async onModuleDestroy(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    clearInterval(this.pingTimer);
    if (this.server) await this.replicas.stop();
    await Promise.all([...this.sessions].map((s) => s.end(ScreenClose.SERVER_STOPPING, 'server stopping')));
    for (const hop of this.hopsWs.clients) hop.close(ScreenClose.SERVER_STOPPING.close, ScreenClose.SERVER_STOPPING.code);
    this.hub.closeAll();
    this.viewers.close();
    this.agentsWs.close();
    this.hopsWs.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path === AGENT_RELAY_PATH) return void this.upgradeAgent(req, socket, head).catch((err) => this.fail(socket, err));
    if (path === RELAY_HOP_PATH) return void this.upgradeHop(req, socket, head).catch((err) => this.fail(socket, err));
    const screen = SCREEN_PATH.exec(path);
    if (screen) {
      // Another site's page must not reach a screen with the viewer's cookie.
      return void this.origins.refusal(req, 'WS /api/remote/kiosks/:id/screen', false).then(
        (refused) => (refused ? refuseUpgrade(socket, 403, 'CSRF_ORIGIN_REFUSED', refused) : this.upgradeViewer(req, socket, head, screen[1])),
        (err) => this.fail(socket, err),
      );
    }
    // Anything else (socket.io) belongs to another handler.
  };

  private async upgradeAgent(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const match = /^Bearer\s+(\S{1,512})$/i.exec(req.headers.authorization ?? '');
    const agent = match ? await this.agents.getByActiveTokenHash(hashSecret(match[1])) : null;
    if (!agent) {
      return refuseUpgrade(socket, 401, 'AGENT_TOKEN_INVALID', 'unknown or revoked agent token; enrol the agent again');
    }
    this.agentsWs.handleUpgrade(req, socket, head, (ws) => this.hub.attach(agent, ws));
  }

  /**
   * Another replica asks for a stream through an agent whose channel is here. Only a
   * hop ticket issued for this replica opens it; cookies and anything else get 401.
   */
  private async upgradeHop(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const match = new RegExp(`^${HOP_AUTH_SCHEME}\\s+(\\S{1,128})$`).exec(req.headers.authorization ?? '');
    const ticket = match ? await this.registry.redeemHopTicket(match[1]) : null;
    if (!ticket || ticket.replicaId !== this.replicas.id) {
      return refuseUpgrade(socket, 401, 'RELAY_HOP_TICKET_INVALID', 'the relay hop needs a one-time hop ticket issued for this replica');
    }
    this.hopsWs.handleUpgrade(req, socket, head, (ws) => {
      // The viewer's bytes wait (ws buffers them while paused) until the agent has reached the kiosk.
      ws.pause();
      const refuse = (err: unknown) => {
        if (!(err instanceof KioskConnectError)) this.logger.error(`relay hop failed: ${(err as Error).stack ?? err}`);
        refuseHop(ws, err instanceof KioskConnectError ? err : new KioskConnectError(ScreenClose.INTERNAL, 'the relay could not open the stream'));
      };
      // The kiosk and the agent checked again here, from MySQL: the ticket names ids, never an address.
      this.remote.hopTarget(ticket).then((target) => {
        const channel = this.hub.pick([ticket.agentId]);
        if (!channel) return refuseHop(ws, new KioskConnectError(ScreenClose.AGENT_LOST, 'the agent lost its relay channel'));
        return channel.openStream(target.host, target.port, this.config.remote.connectTimeoutMs).then((upstream) => {
          if (ws.readyState !== ws.OPEN) return upstream.close();
          pipeHop(ws, upstream, this.config.remote.pingIntervalMs);
        });
      }, (err) => {
        if (err instanceof KioskConnectError) this.logger.warn(`relay hop for kiosk ${ticket.kioskId} through agent ${ticket.agentId} refused: ${err.message}`);
        throw err;
      }).catch(refuse);
    });
  }

  /** Accepted first: a browser learns why a screen did not open only from the close code. */
  private upgradeViewer(req: IncomingMessage, socket: Duplex, head: Buffer, kioskId: string): void {
    this.viewers.handleUpgrade(req, socket, head, (ws) => {
      void this.startScreen(req, ws, kioskId).catch((err) => {
        this.logger.error(`screen session failed to start: ${(err as Error).stack ?? err}`);
        closeWith(ws, ScreenClose.INTERNAL);
      });
    });
  }

  private async startScreen(req: IncomingMessage, ws: WebSocket, kioskId: string): Promise<void> {
    const ticket = new URL(req.url ?? '', 'http://x').searchParams.get('ticket') ?? '';
    const token = sessionTokenOf(req.headers.cookie);
    const principal = token ? await this.auth.authenticate(token) : null;
    if (!principal) return ws.close(ScreenClose.UNAUTHENTICATED.close, ScreenClose.UNAUTHENTICATED.code);
    // The address behind the proxies TRUST_PROXY trusts, as for every HTTP request's audit entries.
    const ip = clientAddress(req, this.adapterHost.httpAdapter.getInstance().get('trust proxy fn'));
    const ctx: RequestContext = { requestId: randomUUID(), ip, principal };
    const inContext = <T>(fn: () => T) => requestContext.run(ctx, fn);
    // Messages sent while the kiosk is being reached are kept (ws buffers them while paused).
    ws.pause();
    let opened;
    try {
      opened = await inContext(() => this.remote.open(principal, ticket, kioskId));
    } catch (err) {
      if (!(err instanceof ScreenRefused)) throw err;
      this.logger.log(`screen of kiosk ${kioskId} refused to ${principal.username}: ${err.message}`);
      ws.resume(); // to read the viewer's answer to the close
      closeWith(ws, err.reason);
      return;
    }
    if (ws.readyState !== ws.OPEN) {
      // The viewer left while the kiosk was being reached.
      opened.upstream.close();
      await inContext(() => this.remote.ended(opened.session, { endedAt: new Date(), bytesToViewer: 0, bytesFromViewer: 0, controlUsed: false, endReason: 'VIEWER_CLOSED' }));
      return;
    }
    const session = new ScreenSession(opened.session, ws, opened.upstream, {
      idleTimeoutMs: this.config.remote.idleTimeoutMs,
      slotRenewMs: SLOT_LEASE_MS / 3,
      controlTaken: (s) => inContext(() => this.remote.controlTaken(s)),
      renewSlot: (s) => this.remote.renewSlot(s),
      ended: (s, end) =>
        inContext(() => this.remote.ended(s, end)).finally(() => (this.sessions.delete(session), release())),
      onError: (err) => this.logger.error(`screen session ${opened.session.id}: ${(err as Error).stack ?? err}`),
      onEnd: (s, reason, detail) => this.logger.log(`screen session ${s.id} of ${s.kioskCode} ends: ${reason.code} (${detail})`),
    });
    // The viewer's rights were those of its console session: when that ends, the screen closes at once.
    const release = this.connections.hold({
      userId: principal.userId,
      sessionId: principal.sessionId,
      end: () => void session.end(ScreenClose.SESSION_ENDED, 'the console session ended'),
    });
    this.sessions.add(session);
    session.start();
    ws.resume();
    this.logSession(principal, opened.session.id, opened.session.kioskCode, opened.session.route);
  }

  private logSession(p: Principal, id: string, kioskCode: string, route: string): void {
    this.logger.log(`screen session ${id}: ${p.username} views ${kioskCode} (${route})`);
  }

  /** Pings every relay channel and drops those whose token was revoked meanwhile. */
  private async pingAgents(): Promise<void> {
    for (const channel of this.hub.all()) {
      if (!channel.ping()) continue;
      const current = await this.agents.getById(channel.agent.id).catch(() => undefined);
      if (current === null || (current && (current.tokenRevokedAt || current.tokenHash !== channel.agent.tokenHash))) {
        channel.close(RelayClose.TOKEN_INVALID.code, RelayClose.TOKEN_INVALID.reason);
      }
    }
  }

  private fail(socket: Duplex, err: unknown): void {
    this.logger.error(`relay upgrade failed: ${(err as Error).stack ?? err}`);
    refuseUpgrade(socket, 500, 'INTERNAL', 'internal error');
  }
}

function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Internal Server Error';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
