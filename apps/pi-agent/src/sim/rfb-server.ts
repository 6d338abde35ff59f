/**
 * A minimal RFB 3.8 server for the simulated kiosks, so a screen opened in the demo
 * shows a picture: security None, one true-colour framebuffer, Raw encoding, a full
 * update for every FramebufferUpdateRequest. It honours the viewer's SetPixelFormat
 * (noVNC asks for its own byte order) and ignores keys, pointer and clipboard.
 * Anything it does not understand closes the connection.
 */
import type net from 'node:net';

/** A picture as RGB bytes, row by row. */
export interface Picture {
  width: number;
  height: number;
  rgb: Buffer;
}

interface PixelFormat {
  bitsPerPixel: number;
  bigEndian: boolean;
  max: [number, number, number];
  shift: [number, number, number];
}

/** 32 bits, little-endian, 0x00RRGGBB: what the server announces. */
const SERVER_FORMAT: PixelFormat = { bitsPerPixel: 32, bigEndian: false, max: [255, 255, 255], shift: [16, 8, 0] };

/** Serves one viewer on `socket`; `draw` is asked for the picture at each update. */
export function serveRfb(socket: net.Socket, name: string, draw: () => Picture): void {
  let format = SERVER_FORMAT;
  let buffered = Buffer.alloc(0);
  let stage: 'version' | 'security' | 'init' | 'messages' = 'version';
  const fail = () => socket.destroy();
  socket.on('error', () => {}); // probes hang up at once: a reset is normal here
  socket.write('RFB 003.008\n');
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const used = step();
      if (used === 0) return;
      buffered = buffered.subarray(used);
    }
  });

  /** Handles one complete client message at the head of `buffered`; 0 if it is not all there yet. */
  function step(): number {
    const b = buffered;
    switch (stage) {
      case 'version':
        if (b.length < 12) return 0;
        if (!/^RFB 003\.00[378]\n$/.test(b.subarray(0, 12).toString('latin1'))) return (fail(), 0);
        stage = 'security';
        socket.write(Buffer.from([1, 1])); // one security type: None
        return 12;
      case 'security':
        if (b.length < 1) return 0;
        if (b[0] !== 1) return (fail(), 0);
        stage = 'init';
        socket.write(Buffer.alloc(4)); // SecurityResult: OK
        return 1;
      case 'init': {
        if (b.length < 1) return 0;
        stage = 'messages';
        const { width, height } = draw();
        const nameBytes = Buffer.from(name, 'utf8');
        const init = Buffer.alloc(24);
        init.writeUInt16BE(width, 0);
        init.writeUInt16BE(height, 2);
        writePixelFormat(init, 4, SERVER_FORMAT);
        init.writeUInt32BE(nameBytes.length, 20);
        socket.write(Buffer.concat([init, nameBytes]));
        return 1;
      }
      case 'messages':
        return message(b);
    }
  }

  function message(b: Buffer): number {
    if (b.length < 1) return 0;
    switch (b[0]) {
      case 0: {
        // SetPixelFormat
        if (b.length < 20) return 0;
        const asked = readPixelFormat(b, 4);
        if (!asked) return (fail(), 0);
        format = asked;
        return 20;
      }
      case 2: // SetEncodings: Raw is always allowed
        if (b.length < 4) return 0;
        return b.length < 4 + 4 * b.readUInt16BE(2) ? 0 : 4 + 4 * b.readUInt16BE(2);
      case 3: // FramebufferUpdateRequest: always the whole picture
        if (b.length < 10) return 0;
        socket.write(update(draw(), format));
        return 10;
      case 4: // KeyEvent
        return b.length < 8 ? 0 : 8;
      case 5: // PointerEvent
        return b.length < 6 ? 0 : 6;
      case 6: // ClientCutText
        if (b.length < 8) return 0;
        return b.length < 8 + b.readUInt32BE(4) ? 0 : 8 + b.readUInt32BE(4);
      default:
        return (fail(), 0);
    }
  }
}

function writePixelFormat(out: Buffer, at: number, f: PixelFormat): void {
  out[at] = f.bitsPerPixel;
  out[at + 1] = 24; // depth
  out[at + 2] = f.bigEndian ? 1 : 0;
  out[at + 3] = 1; // true colour
  f.max.forEach((m, i) => out.writeUInt16BE(m, at + 4 + 2 * i));
  f.shift.forEach((s, i) => (out[at + 10 + i] = s));
}

/** Null for what this server cannot draw (colour maps, odd sizes). */
function readPixelFormat(b: Buffer, at: number): PixelFormat | null {
  const bitsPerPixel = b[at]!;
  if (![8, 16, 32].includes(bitsPerPixel) || b[at + 3] !== 1) return null;
  return {
    bitsPerPixel,
    bigEndian: b[at + 2] !== 0,
    max: [b.readUInt16BE(at + 4), b.readUInt16BE(at + 6), b.readUInt16BE(at + 8)],
    shift: [b[at + 10]!, b[at + 11]!, b[at + 12]!],
  };
}

/** A FramebufferUpdate with one Raw rectangle: the whole picture in the viewer's format. */
function update(p: Picture, f: PixelFormat): Buffer {
  const bytes = f.bitsPerPixel / 8;
  const out = Buffer.alloc(16 + p.width * p.height * bytes);
  out.writeUInt16BE(1, 2); // one rectangle
  out.writeUInt16BE(p.width, 8);
  out.writeUInt16BE(p.height, 10);
  out.writeInt32BE(0, 12); // Raw
  for (let i = 0, o = 16; i < p.width * p.height; i++, o += bytes) {
    let v = 0;
    for (let c = 0; c < 3; c++) v |= Math.round((p.rgb[i * 3 + c]! * f.max[c]!) / 255) << f.shift[c]!;
    v >>>= 0;
    if (bytes === 1) out[o] = v;
    else if (bytes === 2) out[f.bigEndian ? 'writeUInt16BE' : 'writeUInt16LE'](v & 0xffff, o);
    else out[f.bigEndian ? 'writeUInt32BE' : 'writeUInt32LE'](v, o);
  }
  return out;
}
