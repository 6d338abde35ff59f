import net from 'node:net';

/**
 * A plain TCP balancer on loopback: each new connection goes to the next target in
 * turn, no stickiness, WebSocket upgrades passed through as bytes. Targets can be
 * added and removed while it runs, as replicas come and go behind a real one.
 */
export class RoundRobinProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  readonly targets: number[];
  port = 0;

  constructor(targets: number[]) {
    this.targets = [...targets];
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (!this.targets.length) return void client.destroy();
      const port = this.targets[this.next++ % this.targets.length];
      const upstream = net.connect(port, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
