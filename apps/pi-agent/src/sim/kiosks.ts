/**
 * Stand-in for N kiosks on loopback, so the agent can be exercised end to end on
 * one machine without touching a hospital network:
 *   - kiosk i listens for its magic packet on UDP 127.0.0.1:(udpBasePort + i) and
 *     accepts only packets whose bytes are a magic packet for its own MAC;
 *   - it "boots" for `bootDelayMs`, then answers TCP on 127.0.0.1:(vncBasePort + i)
 *     (its "VNC" port, what the agents probe) while on, and also on its own
 *     address and VNC port as the API knows it (`screen`, e.g. 127.10.1.10:5900),
 *     where the agents' relay connects: a minimal RFB server (rfb-server.ts) whose
 *     picture shows its power state, code and clock (kiosk-screen.ts);
 *   - `POST /kiosks/:id/shutdown` on the control port (127.0.0.1:controlPort)
 *     powers it off after `shutdownDelayMs`; `GET /kiosks` lists state.
 * Events ('packet', 'state') and `waitForState` are there for tests.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { magicPacket, normalizeMac } from '@wakeward/wol';
import { drawKioskScreen } from './kiosk-screen';
import { serveRfb } from './rfb-server';

export type KioskPower = 'off' | 'booting' | 'on' | 'shutting-down';

export interface SimulatedKioskSpec {
  kioskId: string;
  mac: string;
  /** Starts powered on (overrides the simulator-wide `initiallyOn`). */
  initiallyOn?: boolean;
  /** Shown on its screen; default: kioskId. */
  code?: string;
  /** Its address and VNC port as the API knows them, on loopback: its screen answers there too. */
  screen?: { ip: string; port: number };
}

export interface KioskSimulatorOptions {
  kiosks: SimulatedKioskSpec[];
  /** Loopback only: the simulator refuses anything else. */
  host?: string;
  udpBasePort: number;
  vncBasePort: number;
  controlPort: number;
  bootDelayMs?: number;
  shutdownDelayMs?: number;
  /** Kiosks that start powered on. */
  initiallyOn?: boolean;
}

export interface SimulatedKioskState {
  kioskId: string;
  mac: string;
  power: KioskPower;
  wolPort: number;
  vncPort: number;
  packetsAccepted: number;
  packetsRejected: number;
  boots: number;
  shutdowns: number;
  /** `ip:port` where its screen answers while on, if it has one. */
  screen?: string;
  /** Why its screen could not listen there (e.g. the port is taken on that address). */
  screenError?: string;
}

interface Kiosk extends SimulatedKioskState {
  code: string;
  screenAt?: { ip: string; port: number };
  expected: Buffer;
  udp: dgram.Socket;
  vnc: net.Server[];
  viewers: Set<net.Socket>;
  timer?: NodeJS.Timeout;
}

export class KioskSimulator extends EventEmitter {
  private readonly kiosks = new Map<string, Kiosk>();
  private control?: http.Server;
  private readonly host: string;

  constructor(private readonly options: KioskSimulatorOptions) {
    super();
    this.host = options.host ?? '127.0.0.1';
    if (!/^127\.\d+\.\d+\.\d+$/.test(this.host))
      throw new Error(`the kiosk simulator only binds to 127.0.0.0/8, not ${this.host}`);
  }

  /** MAC of simulated kiosk i: locally administered (02:...), so it is no real card's. */
  static macFor(index: number): string {
    const hex = (0x02_57_57_00_00_00 + index).toString(16).padStart(12, '0');
    return hex.match(/../g)!.join(':');
  }

  static kioskSpecs(count: number, prefix = 'SIM'): SimulatedKioskSpec[] {
    return Array.from({ length: count }, (_, i) => ({
      kioskId: `${prefix}-${String(i + 1).padStart(3, '0')}`,
      mac: KioskSimulator.macFor(i),
    }));
  }

  async start(): Promise<void> {
    const { kiosks, udpBasePort, vncBasePort } = this.options;
    for (const [i, spec] of kiosks.entries()) {
      if (spec.screen && !/^127\.\d+\.\d+\.\d+$/.test(spec.screen.ip))
        throw new Error(`the kiosk simulator only binds to 127.0.0.0/8, not ${spec.screen.ip}`);
      const mac = normalizeMac(spec.mac);
      const udp = dgram.createSocket('udp4');
      const kiosk: Kiosk = {
        kioskId: spec.kioskId,
        mac,
        power: 'off',
        wolPort: udpBasePort + i,
        vncPort: vncBasePort + i,
        packetsAccepted: 0,
        packetsRejected: 0,
        boots: 0,
        shutdowns: 0,
        ...(spec.screen && { screen: `${spec.screen.ip}:${spec.screen.port}` }),
        code: spec.code ?? spec.kioskId,
        screenAt: spec.screen,
        expected: magicPacket(mac),
        udp,
        vnc: [],
        viewers: new Set(),
      };
      udp.on('message', (data) => this.onPacket(kiosk, data));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(kiosk.wolPort, this.host, () => resolve());
      });
      this.kiosks.set(kiosk.kioskId, kiosk);
      if (spec.initiallyOn ?? this.options.initiallyOn) await this.powerOn(kiosk);
    }
    this.control = http.createServer((req, res) => this.onControl(req, res));
    await new Promise<void>((resolve, reject) => {
      this.control!.once('error', reject);
      this.control!.listen(this.options.controlPort, this.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const kiosk of this.kiosks.values()) {
      clearTimeout(kiosk.timer);
      kiosk.udp.close();
      await this.closeScreens(kiosk);
    }
    this.kiosks.clear();
    if (this.control) {
      this.control.closeAllConnections();
      await closeServer(this.control);
    }
  }

  get controlUrl(): string {
    const address = this.control?.address() as net.AddressInfo | null;
    return `http://${this.host}:${address?.port ?? this.options.controlPort}`;
  }

  state(kioskId: string): SimulatedKioskState {
    const k = this.kiosks.get(kioskId);
    if (!k) throw new Error(`no simulated kiosk ${kioskId}`);
    const { code: _c, screenAt: _s, expected: _e, udp: _u, vnc: _v, viewers: _w, timer: _t, ...state } = k;
    return state;
  }

  states(): SimulatedKioskState[] {
    return [...this.kiosks.keys()].map((id) => this.state(id));
  }

  waitForState(kioskId: string, power: KioskPower, timeoutMs = 10_000): Promise<void> {
    if (this.state(kioskId).power === power) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('state', listener);
        reject(new Error(`${kioskId} did not reach ${power} within ${timeoutMs} ms (is ${this.state(kioskId).power})`));
      }, timeoutMs);
      const listener = (id: string, p: KioskPower) => {
        if (id === kioskId && p === power) {
          clearTimeout(timer);
          this.off('state', listener);
          resolve();
        }
      };
      this.on('state', listener);
    });
  }

  /** Power off now (e.g. someone pulled the plug). */
  async cut(kioskId: string): Promise<void> {
    const k = this.kiosks.get(kioskId)!;
    clearTimeout(k.timer);
    await this.powerOff(k);
  }

  private onPacket(kiosk: Kiosk, data: Buffer): void {
    // SecureOn passwords (4 or 6 trailing bytes) are accepted but not checked here.
    const valid =
      data.length >= 102 && data.subarray(0, 102).equals(kiosk.expected) && [102, 106, 108].includes(data.length);
    if (!valid) {
      kiosk.packetsRejected++;
      this.emit('packet', kiosk.kioskId, false);
      return;
    }
    kiosk.packetsAccepted++;
    this.emit('packet', kiosk.kioskId, true);
    if (kiosk.power !== 'off') return;
    this.setPower(kiosk, 'booting');
    kiosk.timer = setTimeout(() => void this.powerOn(kiosk), this.options.bootDelayMs ?? 2000);
  }

  private async powerOn(kiosk: Kiosk): Promise<void> {
    const listen = (host: string, port: number) => {
      const server = net.createServer((socket) => {
        kiosk.viewers.add(socket);
        socket.once('close', () => kiosk.viewers.delete(socket));
        serveRfb(socket, kiosk.code, () => drawKioskScreen(kiosk.code, kiosk.power, new Date()));
      });
      return new Promise<net.Server>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      });
    };
    kiosk.vnc.push(await listen(this.host, kiosk.vncPort));
    if (kiosk.screenAt) {
      // A taken port on the kiosk's own address costs its screen, not its power state.
      await listen(kiosk.screenAt.ip, kiosk.screenAt.port).then(
        (server) => (kiosk.vnc.push(server), delete kiosk.screenError),
        (err: NodeJS.ErrnoException) => (kiosk.screenError = err.code ?? err.message),
      );
    }
    kiosk.boots++;
    this.setPower(kiosk, 'on');
  }

  private async powerOff(kiosk: Kiosk): Promise<void> {
    await this.closeScreens(kiosk);
    this.setPower(kiosk, 'off');
  }

  /** A kiosk that powers off drops its viewers with its VNC server. */
  private async closeScreens(kiosk: Kiosk): Promise<void> {
    const servers = kiosk.vnc.splice(0);
    for (const socket of kiosk.viewers) socket.destroy();
    await Promise.all(servers.map(closeServer));
  }

  private setPower(kiosk: Kiosk, power: KioskPower): void {
    kiosk.power = power;
    this.emit('state', kiosk.kioskId, power);
  }

  private onControl(req: http.IncomingMessage, res: http.ServerResponse): void {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://sim');
    const shutdown = /^\/kiosks\/([^/]+)\/shutdown$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/kiosks') return reply(200, { kiosks: this.states() });
    if (req.method === 'POST' && shutdown) {
      const kiosk = this.kiosks.get(decodeURIComponent(shutdown[1]!));
      if (!kiosk)
        return reply(404, { error: { code: 'KIOSK_NOT_FOUND', message: `no simulated kiosk ${shutdown[1]}` } });
      if (kiosk.power === 'on') {
        kiosk.shutdowns++;
        this.setPower(kiosk, 'shutting-down');
        kiosk.timer = setTimeout(() => void this.powerOff(kiosk), this.options.shutdownDelayMs ?? 500);
      }
      return reply(202, { kioskId: kiosk.kioskId, power: kiosk.power });
    }
    reply(404, { error: { code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` } });
  }

  /** A ready-to-merge agent config fragment pointing wake/probe/shutdown at this simulator. */
  agentConfigFragment(): Record<string, unknown> {
    const states = this.states();
    return {
      wake: { address: this.host, portByKiosk: Object.fromEntries(states.map((s) => [s.kioskId, s.wolPort])) },
      probe: {
        address: this.host,
        portByKiosk: Object.fromEntries(states.map((s) => [s.kioskId, s.vncPort])),
        kiosks: states.map((s) => ({ kioskId: s.kioskId })),
      },
      // Kiosks name the method `simulated` (as the demo's do); only {kioskId} is filled in.
      shutdown: {
        methods: { simulated: { kind: 'http', method: 'POST', url: `${this.controlUrl}/kiosks/{kioskId}/shutdown` } },
      },
    };
  }
}

function closeServer(server: net.Server | http.Server | undefined): Promise<void> {
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
