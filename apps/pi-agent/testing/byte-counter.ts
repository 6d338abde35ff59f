/**
 * For tests only: a TCP listener on 127.0.0.1 that answers nothing and counts what
 * reaches it, to show that a request was never sent (zero connections, zero bytes).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export class ByteCounter {
  connections = 0;
  bytes = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.connections++;
    this.sockets.add(socket);
    socket.on('data', (chunk) => (this.bytes += chunk.length));
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  });

  /** Resolves to the port it listens on. */
  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
