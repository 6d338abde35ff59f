/**
 * View-only enforced by the relay, not trusted to the browser: follows the RFB
 * handshake and the viewer's messages (RFC 6143 and the extensions noVNC sends)
 * and, while a session is view-only, drops keyboard, pointer, clipboard and
 * desktop-control messages before they reach the kiosk.
 *
 * To follow the handshake without knowing every security type, the server's list of
 * security types is narrowed to None (1) and VNC authentication (2), which every VNC
 * server offers to ordinary viewers (TightVNC as well) and whose client messages
 * have a known length.
 */
export class RfbProtocolError extends Error {}

const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const SUPPORTED_SECURITY = new Set([SECURITY_NONE, SECURITY_VNC_AUTH]);
const MAX_CLIENT_MESSAGE = 1 << 20;

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
      out.push(message);
    }
    if (this.clientBuf.length > MAX_CLIENT_MESSAGE) throw new RfbProtocolError('viewer message too large');
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
        if (this.serverBuf.length < 12) break;
        out.push(this.serverBuf.subarray(0, 12));
        this.serverBuf = this.serverBuf.subarray(12);
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

  /** Length of the next viewer message, or null while more bytes are needed to tell. */
  private clientMessageLength(): number | null {
    const b = this.clientBuf;
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
      case 2: // SetEncodings
        return need(4) && 4 + 4 * b.readUInt16BE(2);
      case 3: // FramebufferUpdateRequest
        return 10;
      case 4: // KeyEvent
        return 8;
      case 5: // PointerEvent
        return 6;
      case 6: {
        // ClientCutText; extended clipboard sends a negative length
        if (!need(8)) return null;
        const raw = b.readInt32BE(4);
        return 8 + Math.abs(raw);
      }
      case 150: // EnableContinuousUpdates
        return 10;
      case 248: // ClientFence
        return need(9) && 9 + b[8];
      case 250: // xvp
        return 4;
      case 251: // SetDesktopSize
        return need(7) && 8 + 16 * b[6];
      case 255: // QEMU client message: only the extended key event (12 bytes) is sent by noVNC
        if (!need(2)) return null;
        if (b[1] === 0) return 12;
        throw new RfbProtocolError(`unsupported QEMU client message ${b[1]}`);
      default:
        throw new RfbProtocolError(`unknown RFB client message type ${type}`);
    }
  }

  private consumeClient(message: Buffer): 'handshake' | 'control' | 'other' {
    switch (this.client) {
      case 'version': {
        const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(message.toString('latin1'));
        if (!m) throw new RfbProtocolError('viewer sent no RFB version');
        this.version33 = Number(m[1]) === 3 && Number(m[2]) < 7;
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
        this.client = 'normal';
        return 'handshake';
      case 'normal':
        return CONTROL_MESSAGES.has(message[0]) ? 'control' : 'other';
    }
  }
}
