import net from 'node:net';

/**
 * A VNC server stand-in on loopback that records what viewers send it: RFB 3.8,
 * security None, a 4x4 screen of one colour in Raw encoding. Enough for
 * RfbClient's handshake and `frame()`, and to tell which key events reached the
 * kiosk (x11vnc cannot say). Speaks first, as a VNC server does, so the relay's
 * greeting check passes.
 */
export interface RecordingVnc {
  port: number;
  /** Keysyms of the KeyEvent messages received (key down and up alike), in order. */
  readonly keys: number[];
  /** Connections accepted, and those still open. */
  readonly connections: number;
  readonly open: number;
  close(): Promise<void>;
}

const WIDTH = 4;
const HEIGHT = 4;

export async function startRecordingVnc(): Promise<RecordingVnc> {
  const keys: number[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    serve(socket, keys);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    keys,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Lengths of the client messages a viewer sends after the handshake (RFC 6143 7.5), given the bytes so far. */
function clientMessageLength(buf: Buffer): number | null {
  switch (buf[0]) {
    case 0: // SetPixelFormat
      return 20;
    case 2: // SetEncodings
      return buf.length < 4 ? null : 4 + 4 * buf.readUInt16BE(2);
    case 3: // FramebufferUpdateRequest
      return 10;
    case 4: // KeyEvent
      return 8;
    case 5: // PointerEvent
      return 6;
    case 6: // ClientCutText
      return buf.length < 8 ? null : 8 + buf.readUInt32BE(4);
    default:
      throw new Error(`unexpected client message ${buf[0]}`);
  }
}

function serve(socket: net.Socket, keys: number[]): void {
  let buf = Buffer.alloc(0);
  let stage: 'version' | 'security' | 'init' | 'normal' = 'version';
  let bytesPerPixel = 4;
  socket.write('RFB 003.008\n');
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (stage === 'version') {
        if (buf.length < 12) return;
        buf = buf.subarray(12);
        socket.write(Buffer.from([1, 1])); // one security type: None
        stage = 'security';
      } else if (stage === 'security') {
        if (buf.length < 1) return;
        buf = buf.subarray(1);
        socket.write(Buffer.from([0, 0, 0, 0])); // SecurityResult OK
        stage = 'init';
      } else if (stage === 'init') {
        if (buf.length < 1) return;
        buf = buf.subarray(1);
        const name = Buffer.from('recording kiosk');
        const init = Buffer.alloc(24);
        init.writeUInt16BE(WIDTH, 0);
        init.writeUInt16BE(HEIGHT, 2);
        // 32 bpp, depth 24, little endian, true colour, 255 each, shifts 16 8 0.
        Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]).copy(init, 4);
        init.writeUInt32BE(name.length, 20);
        socket.write(Buffer.concat([init, name]));
        stage = 'normal';
      } else {
        if (!buf.length) return;
        const need = clientMessageLength(buf);
        if (need === null || buf.length < need) return;
        const message = buf.subarray(0, need);
        buf = buf.subarray(need);
        if (message[0] === 0) bytesPerPixel = message[4] / 8;
        if (message[0] === 4) keys.push(message.readUInt32BE(4));
        if (message[0] === 3) socket.write(frame(bytesPerPixel));
      }
    }
  });
}

/** The whole screen as one Raw rectangle of grey. */
function frame(bytesPerPixel: number): Buffer {
  const header = Buffer.alloc(4 + 12);
  header[0] = 0; // FramebufferUpdate
  header.writeUInt16BE(1, 2);
  header.writeUInt16BE(WIDTH, 8);
  header.writeUInt16BE(HEIGHT, 10);
  header.writeInt32BE(0, 12); // Raw
  return Buffer.concat([header, Buffer.alloc(WIDTH * HEIGHT * bytesPerPixel, 0x80)]);
}
