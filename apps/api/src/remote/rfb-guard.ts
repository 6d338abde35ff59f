/**
 * View-only enforced by the relay, not trusted to the browser: follows the RFB
 * handshake and the viewer's messages (RFC 6143 and the extensions noVNC sends)
 * and, while a session is view-only, drops keyboard, pointer, clipboard and
 * desktop-control messages before they reach the kiosk.
 *
 * In every mode, nothing of the viewer goes on before the kiosk has greeted as an RFB
 * server, and the viewer's stream must parse as RFB client messages with sane, bounded
 * fields: a viewer cannot smuggle another protocol's commands (Redis, HTTP) through.
 *
 * To follow the handshake without knowing every security type, the server's list of
 * security types is narrowed to None (1) and VNC authentication (2), which every VNC
 * server offers to ordinary viewers (TightVNC as well) and whose client messages
 * have a known length.
 */
import { checkRfbGreeting, RFB_GREETING_LENGTH } from '@wakeward/agent-protocol';

export class RfbProtocolError extends Error {}
/** The kiosk side did not start with an RFB ProtocolVersion: whatever listens there is not a VNC server. */
export class RfbNotVncError extends RfbProtocolError {}

const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const SUPPORTED_SECURITY = new Set([SECURITY_NONE, SECURITY_VNC_AUTH]);
const MAX_CLIENT_MESSAGE = 1 << 20;
/** noVNC asks for about 25 encodings and pseudo-encodings. */
const MAX_ENCODINGS = 64;
const MAX_CUT_TEXT = MAX_CLIENT_MESSAGE - 8;
/** RFB's own limit on a fence's payload. */
const MAX_FENCE_PAYLOAD = 64;
const MAX_SCREENS = 16;
const MAX_DESKTOP_SIDE = 16384;
/** Fence flags defined by the extension: BlockBefore, BlockAfter, SyncNext, Request. */
const FENCE_FLAGS = 0x80000007;
/** Versions a viewer may answer with (RFC 6143 7.1.1). */
const VIEWER_VERSIONS = new Set(['RFB 003.003\n', 'RFB 003.007\n', 'RFB 003.008\n']);

type ClientState = 'version' | 'await-server-security' | 'security-type' | 'vnc-auth' | 'client-init' | 'normal';
type ServerState = 'version' | 'security' | 'passthrough';

/** Messages that act on the kiosk (input, clipboard, power, resize). */
const CONTROL_MESSAGES = new Set([4, 5, 6, 250, 251, 255]);

export class RfbGuard {
  viewOnly = true;
  private client: ClientState = 'version';
  private server: ServerState = 'version';
  private clientBuf: Buffer = Buffer.alloc(0);
  private serverBuf: Buffer = Buffer.alloc(0);
  private version33 = false;
  /** Security type chosen by the server (3.3) or the viewer (3.7+). */
  private security: number | null = null;

  /** Bytes from the viewer: what may go on to the kiosk, and whether it held user input. */
  fromViewer(chunk: Buffer): { forward: Buffer; input: boolean } {
    this.clientBuf = this.clientBuf.length ? Buffer.concat([this.clientBuf, chunk]) : chunk;
    const out: Buffer[] = [];
    let input = false;
    for (;;) {
      const need = this.clientMessageLength();
      if (need === null || this.clientBuf.length < need) break;
      const message = this.clientBuf.subarray(0, need);
      this.clientBuf = this.clientBuf.subarray(need);
      const kind = this.consumeClient(message);
      if (kind === 'control') {
        input = true;
        if (this.viewOnly) continue;
      }
      out.push(kind === 'other' && message[0] === 2 ? withoutUnframedEncodings(message) : kind === 'client-init' ? SHARED : message);
    }
    if (this.clientBuf.length > MAX_CLIENT_MESSAGE) throw new RfbProtocolError('viewer message too large');
    if (this.server === 'version' && this.clientBuf.length > RFB_GREETING_LENGTH) {
      throw new RfbProtocolError('the viewer sent more than a version before the kiosk greeted');
    }
    return { forward: out.length === 1 ? out[0] : Buffer.concat(out), input };
  }

  /** Bytes from the kiosk, with the security type list narrowed during the handshake. */
  fromKiosk(chunk: Buffer): Buffer {
    if (this.server === 'passthrough') return chunk;
    this.serverBuf = this.serverBuf.length ? Buffer.concat([this.serverBuf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      if (this.server === 'passthrough') {
        if (this.serverBuf.length) out.push(this.serverBuf);
        this.serverBuf = Buffer.alloc(0);
        break;
      }
      if (this.server === 'version') {
        const verdict = checkRfbGreeting(this.serverBuf);
        if (verdict === 'invalid') throw new RfbNotVncError('the kiosk side did not greet as an RFB server');
        if (verdict === 'incomplete') break;
        out.push(this.serverBuf.subarray(0, RFB_GREETING_LENGTH));
        this.serverBuf = this.serverBuf.subarray(RFB_GREETING_LENGTH);
        this.server = 'security';
        continue;
      }
      // 'security': the server sends it after the viewer's version, so version33 is known.
      if (!this.serverBuf.length) break;
      if (this.client === 'version') throw new RfbProtocolError('server sent security before the viewer chose a version');
      if (this.version33) {
        if (this.serverBuf.length < 4) break;
        this.security = this.serverBuf.readUInt32BE(0);
        if (this.security !== 0 && !SUPPORTED_SECURITY.has(this.security)) {
          throw new RfbProtocolError(`security type ${this.security} is not supported by the relay`);
        }
        this.server = 'passthrough';
        continue;
      }
      if (this.serverBuf.length < 1) break;
      const count = this.serverBuf[0];
      if (count === 0) {
        this.server = 'passthrough'; // a failure reason follows
        continue;
      }
      if (this.serverBuf.length < 1 + count) break;
      const types = [...this.serverBuf.subarray(1, 1 + count)].filter((t) => SUPPORTED_SECURITY.has(t));
      this.serverBuf = this.serverBuf.subarray(1 + count);
      if (types.length) out.push(Buffer.from([types.length, ...types]));
      else {
        const reason = Buffer.from('the kiosk offers no security type the relay supports (None or VNC password)');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(reason.length);
        out.push(Buffer.from([0]), len, reason);
      }
      this.server = 'passthrough';
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Length of the next viewer message, or null while more bytes are needed to tell (or may not pass yet). */
  private clientMessageLength(): number | null {
    const b = this.clientBuf;
    // Nothing of the viewer goes on before the kiosk has proven to be a VNC server.
    if (this.server === 'version') return null;
    switch (this.client) {
      case 'version':
        return 12;
      case 'await-server-security':
        // RFB 3.3: the server chooses; its 4 bytes pass (and are read) before the viewer answers.
        if (this.security === null) return null;
        this.client = this.security === SECURITY_VNC_AUTH ? 'vnc-auth' : 'client-init';
        return this.clientMessageLength();
      case 'security-type':
        return 1;
      case 'vnc-auth':
        return 16;
      case 'client-init':
        return 1;
      case 'normal':
        break;
    }
    if (b.length < 1) return null;
    const type = b[0];
    const need = (n: number) => (b.length < n ? null : true);
    switch (type) {
      case 0: // SetPixelFormat
        return 20;
      case 2: {
        // SetEncodings
        if (!need(4)) return null;
        const count = b.readUInt16BE(2);
        if (count > MAX_ENCODINGS) throw new RfbProtocolError(`SetEncodings with ${count} encodings (at most ${MAX_ENCODINGS})`);
        return 4 + 4 * count;
      }
      case 3: // FramebufferUpdateRequest
        return 10;
      case 4: // KeyEvent
        return 8;
      case 5: // PointerEvent
        return 6;
      case 6: {
        // ClientCutText; extended clipboard sends a negative length
        if (!need(8)) return null;
        const length = Math.abs(b.readInt32BE(4));
        if (length > MAX_CUT_TEXT) throw new RfbProtocolError(`ClientCutText of ${length} bytes (at most ${MAX_CUT_TEXT})`);
        return 8 + length;
      }
      case 150: // EnableContinuousUpdates
        return 10;
      case 248: // ClientFence
        if (!need(9)) return null;
        if (b[8] > MAX_FENCE_PAYLOAD) throw new RfbProtocolError(`ClientFence with ${b[8]} bytes of payload (at most ${MAX_FENCE_PAYLOAD})`);
        return 9 + b[8];
      case 250: // xvp
        return 4;
      case 251: // SetDesktopSize
        if (!need(7)) return null;
        if (b[6] < 1 || b[6] > MAX_SCREENS) throw new RfbProtocolError(`SetDesktopSize with ${b[6]} screens`);
        return 8 + 16 * b[6];
      case 255: // QEMU client message: only the extended key event (12 bytes) is sent by noVNC
        if (!need(2)) return null;
        if (b[1] === 0) return 12;
        throw new RfbProtocolError(`unsupported QEMU client message ${b[1]}`);
      default:
        throw new RfbProtocolError(`unknown RFB client message type ${type}`);
    }
  }

  private consumeClient(message: Buffer): 'handshake' | 'client-init' | 'control' | 'other' {
    switch (this.client) {
      case 'version': {
        const version = message.toString('latin1');
        if (!VIEWER_VERSIONS.has(version)) throw new RfbProtocolError('viewer sent no RFB version');
        this.version33 = version === 'RFB 003.003\n';
        this.client = this.version33 ? 'await-server-security' : 'security-type';
        return 'handshake';
      }
      case 'security-type':
        this.security = message[0];
        if (!SUPPORTED_SECURITY.has(this.security)) throw new RfbProtocolError(`viewer chose security type ${this.security}`);
        this.client = this.security === SECURITY_VNC_AUTH ? 'vnc-auth' : 'client-init';
        return 'handshake';
      case 'vnc-auth':
        this.client = 'client-init';
        return 'handshake';
      case 'await-server-security':
        throw new RfbProtocolError('viewer answered before the server chose a security type');
      case 'client-init':
        if (message[0] > 1) throw new RfbProtocolError(`ClientInit shared flag ${message[0]}`);
        this.client = 'normal';
        return 'client-init';
      case 'normal': {
        const problem = clientMessageProblem(message);
        if (problem) throw new RfbProtocolError(problem);
        return CONTROL_MESSAGES.has(message[0]) ? 'control' : 'other';
      }
    }
  }
}

/**
 * ClientInit always asks to share the desktop: an exclusive request (0) makes many VNC
 * servers drop every other viewer, so one view-only session could cut off ops in control.
 */
const SHARED = Buffer.from([1]);

/**
 * ExtendedMouseButtons (-316) makes a viewer send 7-byte PointerEvents, which cannot be
 * told from 6-byte ones without following the server's messages: it is not asked for.
 */
const UNFRAMED_ENCODINGS = new Set([-316]);

function withoutUnframedEncodings(m: Buffer): Buffer {
  const encodings: number[] = [];
  for (let i = 4; i < m.length; i += 4) encodings.push(m.readInt32BE(i));
  const kept = encodings.filter((e) => !UNFRAMED_ENCODINGS.has(e));
  if (kept.length === encodings.length) return m;
  const out = Buffer.alloc(4 + 4 * kept.length);
  out[0] = 2;
  out.writeUInt16BE(kept.length, 2);
  kept.forEach((e, i) => out.writeInt32BE(e, 4 + 4 * i));
  return out;
}

/** What is wrong with the fields of a whole viewer message in the normal phase, or null. */
function clientMessageProblem(m: Buffer): string | null {
  const flag = (value: number, name: string) => (value > 1 ? `${name} ${value} (0 or 1)` : null);
  switch (m[0]) {
    case 0: {
      // SetPixelFormat: bits-per-pixel, depth, big-endian, true-colour, maxima, shifts
      const [bpp, depth] = [m[4], m[5]];
      if (![8, 16, 32].includes(bpp) || depth < 1 || depth > bpp) return `SetPixelFormat with ${bpp} bits per pixel, depth ${depth}`;
      if (m[14] >= bpp || m[15] >= bpp || m[16] >= bpp) return 'SetPixelFormat with a colour shift beyond the pixel';
      return flag(m[6], 'SetPixelFormat big-endian flag') ?? flag(m[7], 'SetPixelFormat true-colour flag');
    }
    case 3:
      return flag(m[1], 'FramebufferUpdateRequest incremental flag');
    case 4:
      return flag(m[1], 'KeyEvent down flag');
    case 150:
      return flag(m[1], 'EnableContinuousUpdates flag');
    case 248:
      return (m.readUInt32BE(4) & ~FENCE_FLAGS) >>> 0 ? `ClientFence with unknown flags ${m.readUInt32BE(4).toString(16)}` : null;
    case 250:
      // xvp: version 1; shutdown, reboot or reset
      return m[2] !== 1 || m[3] < 2 || m[3] > 4 ? `xvp message ${m[3]} of version ${m[2]}` : null;
    case 251: {
      const [w, h] = [m.readUInt16BE(2), m.readUInt16BE(4)];
      return w < 1 || h < 1 || w > MAX_DESKTOP_SIDE || h > MAX_DESKTOP_SIDE ? `SetDesktopSize to ${w}x${h}` : null;
    }
    case 255:
      return m.readUInt16BE(2) > 1 ? `QEMU extended key event down flag ${m.readUInt16BE(2)}` : null;
    default:
      return null;
  }
}
