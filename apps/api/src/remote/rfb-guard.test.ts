import { describe, expect, it } from 'vitest';
import { RfbGuard, RfbProtocolError } from './rfb-guard';

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
});
