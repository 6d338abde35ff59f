import http from 'node:http';
import net from 'node:net';

/**
 * Services that are not VNC servers, on loopback, for the relay's refusal tests: each
 * counts the connections it accepted and the bytes it received, which must stay zero
 * when the relay refuses to pass anything on.
 *
 * - `silent`: accepts and says nothing
 * - `http`: a real HTTP server (answers requests, never speaks first)
 * - `redis`: answers `+OK` or `-ERR` to anything, as Redis would to the attack of issue 20
 * - `banner`: speaks first, but not RFB (`-ERR` then its own greeting)
 */
export type ListenerKind = 'silent' | 'http' | 'redis' | 'banner';

export interface CountingListener {
  kind: ListenerKind;
  port: number;
  readonly connections: number;
  readonly bytesReceived: number;
  close(): Promise<void>;
}

export async function startListener(kind: ListenerKind): Promise<CountingListener> {
  const counts = { connections: 0, bytesReceived: 0 };
  const sockets = new Set<net.Socket>();
  const count = (socket: net.Socket) => {
    counts.connections++;
    sockets.add(socket);
    socket.on('data', (d: Buffer) => (counts.bytesReceived += d.length));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  let server: net.Server;
  if (kind === 'http') {
    server = http.createServer((_req, res) => res.end('not a screen\n'));
    server.on('connection', count);
  } else {
    server = net.createServer((socket) => {
      count(socket);
      if (kind === 'redis')
        socket.on('data', (d) =>
          socket.write(d.includes('KEYS') ? '*1\r\n$22\r\nwk:session:0123456789\r\n' : '+OK\r\n'),
        );
      if (kind === 'banner') socket.write('-ERR unknown command\r\n');
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    kind,
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return counts.connections;
    },
    get bytesReceived() {
      return counts.bytesReceived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Issue 20's attack, as a viewer sends it: a version, then a SetEncodings whose "encodings" are Redis commands. */
export function smuggledRedisCommands(): Buffer {
  const commands = Buffer.from('KEYS *\r\nINFO\r\n\r\n'); // 16 bytes: four "encodings"
  const header = Buffer.from([2, 0, 0, commands.length / 4]);
  return Buffer.concat([Buffer.from('RFB 003.008\n'), header, commands]);
}
