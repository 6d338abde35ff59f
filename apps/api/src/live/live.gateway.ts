import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type Redis from 'ioredis';
import type { Server, Socket } from 'socket.io';
import { AuthService } from '../auth/auth.service';
import { sessionTokenOf } from '../sessions/session-cookie';
import { SessionConnections } from '../sessions/session-connections';
import { OriginPolicy } from '../edge/origin.guard';
import { REDIS } from '../redis/redis.module';
import { LiveEvent, LiveEventsService } from './live-events.service';
import { logRedisOutages } from '../redis/outage-log';

const ALL_HOSPITALS_ROOM = 'hospital:*';

/**
 * socket.io for the console: a browser signs in with its session cookie and joins
 * the rooms of the hospitals it may see; events for a hospital reach that room and
 * the users who see every hospital.
 *
 * Several replicas: the console connects by WebSocket only (apps/web/src/live.ts), so
 * each connection lives on one replica and no balancer stickiness is needed. Events
 * come from Redis pub/sub (LiveEventsService), to which every replica subscribes, and
 * sessions end on every replica through SessionConnections; no code emits from one
 * replica to another's sockets, which is all `@socket.io/redis-adapter` would add
 * (with a second publish per event), so it is not used.
 */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
export class LiveGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() private server!: Server;
  private subscriber?: Redis;
  private readonly logger = new Logger('live');

  constructor(
    private readonly connections: SessionConnections,
    private readonly auth: AuthService,
    private readonly events: LiveEventsService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly origins: OriginPolicy,
  ) {}

  afterInit(): void {
    this.subscriber = logRedisOutages(this.redis.duplicate(), 'live events', this.logger);
    void this.subscriber.subscribe(this.events.channel);
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const event = JSON.parse(message) as LiveEvent;
        this.server.to(`hospital:${event.hospitalId}`).to(ALL_HOSPITALS_ROOM).emit(event.type, event.payload);
      } catch (err) {
        this.logger.warn(`dropped a malformed live event: ${(err as Error).message}`);
      }
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const token = sessionTokenOf(socket.handshake.headers.cookie);
    const principal = token ? await this.auth.authenticate(token).catch(() => null) : null;
    if (!principal) {
      socket.emit('session.invalid', { code: 'UNAUTHENTICATED', message: 'sign in first' });
      socket.disconnect(true);
      return;
    }
    // Another site's page may open a socket with the cookie: it must not hear the fleet.
    if (await this.origins.refusal(socket.request, 'WS /socket.io', false, principal)) {
      socket.disconnect(true);
      return;
    }
    if (principal.hospitalIds === 'all') await socket.join(ALL_HOSPITALS_ROOM);
    else await socket.join(principal.hospitalIds.map((id) => `hospital:${id}`));
    socket.emit('ready', { hospitalIds: principal.hospitalIds });
    // Rooms were chosen by the session's rights: when the session ends (logout, an account change) the socket goes too.
    const release = this.connections.hold({
      userId: principal.userId,
      sessionId: principal.sessionId,
      end: ({ reason }) => {
        socket.emit('session.ended', { code: 'SESSION_ENDED', reason, message: 'the session ended: sign in again' });
        socket.disconnect(true);
      },
    });
    socket.once('disconnect', release);
    if (socket.disconnected) release();
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber?.disconnect();
  }
}
