import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AgentChannel, AgentRelayHub, RelayClose } from './agent-relay.hub';
import { RelayRegistryRepository, ReplicaEntry } from './relay-registry.repository';

/** Where a screen through an agent can be opened: a channel here, or one held by another replica. */
export type RelayHolder = { local: AgentChannel } | { replica: ReplicaEntry; agentId: string };

/**
 * This API process among its replicas, for the agents' relay channels: it announces
 * itself (id, the URL the others reach it at, its channel count) every heartbeat,
 * records in Redis which replica holds each agent's channel, answers "who can reach
 * these agents" the same on every replica, and hands surplus idle channels back to the
 * balancer when it holds more than its fair share (after a restart of another replica,
 * the channels pile up on those that stayed).
 */
@Injectable()
export class RelayReplicas {
  /** New at every start: a restarted replica is a new one, and its predecessor's channels are gone. */
  readonly id = randomUUID();
  private url: string | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logger = new Logger('relay-replicas');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: RelayRegistryRepository,
    private readonly hub: AgentRelayHub,
  ) {}

  /** A replica, and an agent's channel key, count as gone after three heartbeats without renewal. */
  private get ttlMs(): number {
    return this.config.replica.heartbeatMs * 3;
  }

  /** Starts once the server listens (its address is the default URL). */
  start(server: Server): void {
    this.hub.observe((agentId, event) => {
      const change =
        event === 'opened' ? this.registry.channelOpened(agentId, this.id, this.ttlMs) : this.registry.channelClosed(agentId, this.id);
      change.catch((err) => this.logger.warn(`relay channel of agent ${agentId} ${event}, not recorded in Redis: ${(err as Error).message}`));
    });
    const begin = () => {
      this.url = this.config.replica.url ?? listeningUrl(server);
      this.logger.log(`replica ${this.id} reachable by the others at ${this.url}`);
      void this.heartbeat();
      this.timers.push(
        setInterval(() => void this.heartbeat(), this.config.replica.heartbeatMs),
        setInterval(() => void this.rebalance(), this.config.replica.rebalanceIntervalMs),
      );
    };
    if (server.listening) begin();
    else server.once('listening', begin);
  }

  /** Leaves the registry before the channels close, so that no replica sends a hop here meanwhile. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all([
      this.registry.withdraw(this.id),
      ...this.hub.all().map((c) => this.registry.channelClosed(c.agent.id, this.id)),
    ]).catch((err) => this.logger.warn(`leaving the replica registry failed: ${(err as Error).message}`));
  }

  /**
   * Who can open a stream through one of these agents (already known to reach the
   * kiosk): the least busy channel here, else a live replica that holds one.
   */
  async holderOf(agentIds: string[]): Promise<RelayHolder | null> {
    const local = this.hub.pick(agentIds);
    if (local) return { local };
    const [holders, replicas] = await Promise.all([this.registry.holdersOf(agentIds), this.liveReplicas()]);
    const byId = new Map(replicas.map((r) => [r.id, r]));
    const remote = [...holders].filter(([, replicaId]) => replicaId !== this.id && byId.has(replicaId));
    if (!remote.length) return null;
    // Spread viewers over the agents that are held elsewhere: their stream counts are not known here.
    const [agentId, replicaId] = remote[Math.floor(Math.random() * remote.length)];
    return { replica: byId.get(replicaId)!, agentId };
  }

  /** Of these agents, those with an open relay channel on any live replica: the same answer on every replica. */
  async connected(agentIds: string[]): Promise<Set<string>> {
    const [holders, replicas] = await Promise.all([this.registry.holdersOf(agentIds), this.liveReplicas()]);
    const live = new Set(replicas.map((r) => r.id));
    return new Set(agentIds.filter((id) => this.hub.isConnected(id) || live.has(holders.get(id) ?? '')));
  }

  private liveReplicas(): Promise<ReplicaEntry[]> {
    return this.registry.liveReplicas(Date.now() - this.ttlMs);
  }

  private async heartbeat(): Promise<void> {
    if (!this.url) return;
    try {
      await this.registry.announce({ id: this.id, url: this.url, lastSeen: Date.now(), channels: this.hub.count });
      await Promise.all(this.hub.all().map((c) => this.registry.channelRenewed(c.agent.id, this.id, this.ttlMs)));
    } catch (err) {
      this.logger.warn(`replica heartbeat failed: ${(err as Error).message}`);
    }
  }

  /**
   * Closes idle channels (no streams) above the fair share when this replica holds
   * more than fair share + 1, so their agents reconnect through the balancer, which
   * spreads them. One step per interval: the others' counts are a heartbeat old.
   */
  async rebalance(): Promise<number> {
    try {
      const others = (await this.liveReplicas()).filter((r) => r.id !== this.id);
      if (!others.length) return 0;
      const mine = this.hub.count;
      const total = mine + others.reduce((sum, r) => sum + r.channels, 0);
      const fair = Math.ceil(total / (others.length + 1));
      if (mine <= fair + 1) return 0;
      const surplus = this.hub
        .all()
        .filter((c) => c.open && c.streamCount === 0)
        .slice(0, mine - fair);
      for (const channel of surplus) channel.close(RelayClose.REBALANCING.code, RelayClose.REBALANCING.reason);
      this.logger.log(`rebalancing: ${mine} relay channels here, fair share ${fair} of ${total} over ${others.length + 1} replicas; closed ${surplus.length} idle ones`);
      return surplus.length;
    } catch (err) {
      this.logger.warn(`relay rebalancing failed: ${(err as Error).message}`);
      return 0;
    }
  }
}

/** The server's own address, or the host's first non-internal IPv4 when it listens on every address. */
function listeningUrl(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  const wildcard = address === '0.0.0.0' || address === '::';
  const host = wildcard ? firstExternalIpv4() : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function firstExternalIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
