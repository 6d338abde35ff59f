import { describe, expect, it } from 'vitest';
import { RfbGuard, RfbNotVncError, RfbProtocolError } from './rfb-guard';

const b = (...bytes: number[]) => Buffer.from(bytes);
const pointer = b(5, 1, 0, 10, 0, 20);
const key = b(4, 1, 0, 0, 0, 0, 0, 0x61);
const fbur = b(3, 0, 0, 0, 0, 0, 1, 0, 1, 0);

function handshake38(guard: RfbGuard, serverTypes: number[], choose = 1) {
  expect(guard.fromKiosk(Buffer.from('RFB 003.008\n')).toString()).toBe('RFB 003.008\n');
  expect(guard.fromViewer(Buffer.from('RFB 003.008\n')).forward.toString()).toBe('RFB 003.008\n');
  const offered = guard.fromKiosk(b(serverTypes.length, ...serverTypes));
  guard.fromViewer(b(choose));
  if (choose === 2) guard.fromViewer(Buffer.alloc(16, 7));
  guard.fromKiosk(b(0, 0, 0, 0));
  expect(guard.fromViewer(b(1)).forward).toEqual(b(1));
  return offered;
}

describe('RfbGuard', () => {
  it('narrows the security types to None and VNC authentication', () => {
    expect(handshake38(new RfbGuard(), [16, 2, 1])).toEqual(b(2, 2, 1));
    const none = new RfbGuard();
    none.fromKiosk(Buffer.from('RFB 003.008\n'));
    none.fromViewer(Buffer.from('RFB 003.008\n'));
    const refused = none.fromKiosk(b(1, 19));
    expect(refused[0]).toBe(0);
    expect(refused.subarray(5).toString()).toMatch(/no security type/);
  });

  it('drops input while view-only, passes it in control, and keeps framing across split chunks', () => {
    const guard = new RfbGuard();
    handshake38(guard, [2], 2);
    const all = Buffer.concat([fbur, pointer, key, b(2, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0), fbur]);
    const out: Buffer[] = [];
    let input = false;
    for (let i = 0; i < all.length; i += 3) {
      const r = guard.fromViewer(all.subarray(i, i + 3));
      out.push(r.forward);
      input ||= r.input;
    }
    expect(Buffer.concat(out)).toEqual(Buffer.concat([fbur, b(2, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0), fbur]));
    expect(input).toBe(true);
    guard.viewOnly = false;
    expect(guard.fromViewer(Buffer.concat([pointer, key])).forward).toEqual(Buffer.concat([pointer, key]));
  });

  it('follows RFB 3.3, where the server picks the security type', () => {
    const guard = new RfbGuard();
    guard.fromKiosk(Buffer.from('RFB 003.003\n'));
    guard.fromViewer(Buffer.from('RFB 003.003\n'));
    guard.fromKiosk(b(0, 0, 0, 2, ...Array(16).fill(1)));
    expect(guard.fromViewer(Buffer.alloc(16, 9)).forward.length).toBe(16);
    guard.fromKiosk(b(0, 0, 0, 0));
    guard.fromViewer(b(1));
    expect(guard.fromViewer(pointer).forward.length).toBe(0);
  });

  it('clipboard (also extended, negative length) and fences are framed', () => {
    const guard = new RfbGuard();
    handshake38(guard, [1]);
    const cut = b(6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfc, 1, 2, 3, 4);
    const fence = b(248, 0, 0, 0, 0, 0, 0, 0, 2, 9, 9);
    expect(guard.fromViewer(Buffer.concat([cut, fence])).forward).toEqual(fence);
  });

  it('refuses what it cannot frame', () => {
    const guard = new RfbGuard();
    handshake38(guard, [1]);
    expect(() => guard.fromViewer(b(77, 0, 0))).toThrow(RfbProtocolError);
  });

  it('passes nothing of the viewer before the kiosk greets as an RFB server, and a viewer that pushes on is refused', () => {
    const guard = new RfbGuard();
    expect(guard.fromViewer(Buffer.from('RFB 003.')).forward.length).toBe(0);
    expect(guard.fromViewer(Buffer.from('008\n')).forward.length).toBe(0);
    expect(guard.fromKiosk(Buffer.from('RFB 003.008\n')).toString()).toBe('RFB 003.008\n');
    expect(guard.fromViewer(Buffer.alloc(0)).forward.toString()).toBe('RFB 003.008\n');

    const pushy = new RfbGuard();
    // The attack of issue 20: a version, then a SetEncodings whose "encodings" are Redis commands.
    const smuggled = Buffer.concat([Buffer.from('RFB 003.008\n'), b(2, 0, 0, 2), Buffer.from('KEYS *\r\n')]);
    expect(() => pushy.fromViewer(smuggled)).toThrow(RfbProtocolError);
  });

  it('refuses a kiosk side that is not an RFB server, from its first wrong byte', () => {
    expect(() => new RfbGuard().fromKiosk(Buffer.from('+OK\r\n'))).toThrow(RfbNotVncError);
    expect(() => new RfbGuard().fromKiosk(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(RfbNotVncError);
    expect(() => new RfbGuard().fromKiosk(Buffer.from('RFB 009.000\n'))).toThrow(RfbNotVncError);
    const split = new RfbGuard();
    expect(split.fromKiosk(Buffer.from('RFB 0')).length).toBe(0);
    expect(split.fromKiosk(Buffer.from('03.003\n')).toString()).toBe('RFB 003.003\n');
  });

  it('accepts only the viewer versions of RFC 6143 and a ClientInit flag of 0 or 1', () => {
    const guard = new RfbGuard();
    guard.fromKiosk(Buffer.from('RFB 003.008\n'));
    expect(() => guard.fromViewer(Buffer.from('RFB 003.005\n'))).toThrow(/no RFB version/);
    const init = new RfbGuard();
    init.fromKiosk(Buffer.from('RFB 003.008\n'));
    init.fromViewer(Buffer.from('RFB 003.008\n'));
    init.fromKiosk(b(1, 1));
    init.fromViewer(b(1));
    init.fromKiosk(b(0, 0, 0, 0));
    expect(() => init.fromViewer(b(7))).toThrow(/shared flag/);
  });

  it('asks the kiosk to share the desktop even when the viewer asks for it alone (no session cuts off the others)', () => {
    const guard = new RfbGuard();
    guard.fromKiosk(Buffer.from('RFB 003.008\n'));
    guard.fromViewer(Buffer.from('RFB 003.008\n'));
    guard.fromKiosk(b(1, 1));
    guard.fromViewer(b(1));
    guard.fromKiosk(b(0, 0, 0, 0));
    expect(guard.fromViewer(b(0)).forward).toEqual(b(1));
  });

  it('bounds every viewer message, in control as in view-only: anything else ends the session', () => {
    const bad: Array<[string, Buffer]> = [
      ['65 encodings', Buffer.concat([b(2, 0, 0, 65), Buffer.alloc(65 * 4)])],
      ['cut text of 2 GB (announced)', b(6, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff)],
      ['extended cut text of -2^31', b(6, 0, 0, 0, 0x80, 0, 0, 0)],
      ['fence payload over 64', b(248, 0, 0, 0, 0, 0, 0, 0, 65)],
      ['fence with unknown flags', b(248, 0, 0, 0, 0, 0, 0, 8, 0)],
      ['pixel format of 24 bpp', b(0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0)],
      ['pixel format shift beyond', b(0, 0, 0, 0, 8, 8, 0, 1, 0, 3, 0, 3, 0, 3, 0, 2, 9, 0, 0, 0)],
      ['pixel format big-endian 2', b(0, 0, 0, 0, 32, 24, 2, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0)],
      ['desktop size with no screen', b(251, 0, 4, 0, 3, 0, 0, 0)],
      ['desktop size of 0x0', Buffer.concat([b(251, 0, 0, 0, 0, 0, 1, 0), Buffer.alloc(16)])],
      ['xvp op 9', b(250, 0, 1, 9)],
      ['update request incremental 2', b(3, 2, 0, 0, 0, 0, 0, 1, 0, 1)],
      ['key down 3', b(4, 3, 0, 0, 0, 0, 0, 0x61)],
      ['continuous updates 5', b(150, 5, 0, 0, 0, 0, 0, 1, 0, 1)],
      ['QEMU key down 2', b(255, 0, 0, 2, 0, 0, 0, 0x61, 0, 0, 0, 30)],
      ['unknown type', b(77, 0, 0)],
    ];
    for (const [what, message] of bad) {
      for (const viewOnly of [true, false]) {
        const guard = new RfbGuard();
        handshake38(guard, [1]);
        guard.viewOnly = viewOnly;
        expect(() => guard.fromViewer(message), `${what}, viewOnly ${viewOnly}`).toThrow(RfbProtocolError);
      }
    }
  });

  it('what noVNC sends passes, without ExtendedMouseButtons (its 7-byte pointer events could not be framed)', () => {
    const guard = new RfbGuard();
    handshake38(guard, [1]);
    guard.viewOnly = false;
    const pixelFormat = b(0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0);
    const encodings = [
      7, 0, -23, -247, -223, -224, -258, -261, -308, -309, -312, -313, -307, -1063131698, -316, 0x574d5664, -239,
    ];
    const setEncodings = Buffer.alloc(4 + 4 * encodings.length);
    setEncodings[0] = 2;
    setEncodings.writeUInt16BE(encodings.length, 2);
    encodings.forEach((e, i) => setEncodings.writeInt32BE(e, 4 + 4 * i));
    const fence = b(248, 0, 0, 0, 0x80, 0, 0, 3, 2, 1, 2);
    const desktopSize = Buffer.concat([b(251, 0, 5, 0, 3, 0, 1, 0), Buffer.alloc(16)]);
    const qemuKey = b(255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 30);
    const cut = Buffer.concat([b(6, 0, 0, 0, 0, 0, 0, 5), Buffer.from('hello')]);
    const forwarded = guard.fromViewer(
      Buffer.concat([pixelFormat, setEncodings, fbur, fence, desktopSize, qemuKey, cut, pointer, key]),
    ).forward;
    const kept = forwarded.subarray(20, 20 + 4 + 4 * (encodings.length - 1));
    expect(kept.readUInt16BE(2)).toBe(encodings.length - 1);
    expect([...Array(encodings.length - 1).keys()].map((i) => kept.readInt32BE(4 + 4 * i))).toEqual(
      encodings.filter((e) => e !== -316),
    );
    expect(forwarded.length).toBe(
      20 +
        kept.length +
        fbur.length +
        fence.length +
        desktopSize.length +
        qemuKey.length +
        cut.length +
        pointer.length +
        key.length,
    );
  });
});
