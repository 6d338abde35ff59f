import net from 'node:net';

/**
 * A TCP proxy on loopback standing for the leased line between a hospital and the
 * data centre: `cut()` drops every connection and refuses new ones, `restore()`
 * lets them through again on the same port.
 */
export class LineCutProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** Bytes clients have sent through it so far: who used the line, and when. */
  bytesFromClients = 0;
  /** The last bytes clients sent, as latin1 text: which queries crossed the line (SQL is readable in MySQL's protocol). */
  recentFromClients = '';

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (chunk: Buffer) => {
        this.bytesFromClients += chunk.length;
        this.recentFromClients = (this.recentFromClients + chunk.toString('latin1')).slice(-65_536);
      });
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  restore(): Promise<void> {
    return this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }
}
