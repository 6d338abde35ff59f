import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameType,
  FrameTypeValue,
  decodeFrame,
  encodeFrame,
  encodeJsonFrame,
  parseJsonPayload,
  parseOpenRequest,
} from './relay-frames';

const types = Object.values(FrameType);

describe('encodeFrame', () => {
  it('writes type, big-endian stream id, then the payload, byte for byte', () => {
    expect([...encodeFrame(FrameType.DATA, 0x01020304, Buffer.from([0xaa, 0xbb]))]).toEqual([3, 1, 2, 3, 4, 0xaa, 0xbb]);
  });

  it('takes bytes, a Uint8Array or a string (UTF-8), or nothing', () => {
    expect([...encodeFrame(FrameType.OPENED, 7)]).toEqual([2, 0, 0, 0, 7]);
    expect([...encodeFrame(FrameType.DATA, 1, new Uint8Array([9]))]).toEqual([3, 0, 0, 0, 1, 9]);
    expect(encodeFrame(FrameType.CLOSE, 1, 'é').subarray(5)).toEqual(Buffer.from([0xc3, 0xa9]));
  });

  it('keeps stream ids to 32 bits without sign', () => {
    expect(decodeFrame(encodeFrame(FrameType.DATA, 0xffffffff))!.streamId).toBe(0xffffffff);
    expect(decodeFrame(encodeFrame(FrameType.DATA, -1))!.streamId).toBe(0xffffffff);
  });
});

describe('decodeFrame', () => {
  it('round-trips every type, stream id and payload', () => {
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 300 }), (type, streamId, payload) => {
        expect(decodeFrame(encodeFrame(type, streamId, payload))).toEqual({ type, streamId, payload: Buffer.from(payload) });
      }),
      { seed: 20260501, numRuns: 200 },
    );
  });

  it('answers null for a message shorter than the header', () => {
    for (let n = 0; n < 5; n++) expect(decodeFrame(Buffer.alloc(n, FrameType.DATA))).toBeNull();
  });

  it('answers null for an unknown type', () => {
    for (const type of [0, 7, 0xff]) expect(decodeFrame(encodeFrame(type as FrameTypeValue, 1, 'x'))).toBeNull();
  });

  it('gives an empty payload for a bare header', () => {
    expect(decodeFrame(Buffer.from([FrameType.PAUSE, 0, 0, 0, 2]))).toEqual({ type: FrameType.PAUSE, streamId: 2, payload: Buffer.alloc(0) });
  });
});

describe('JSON payloads', () => {
  it('round-trip through encodeJsonFrame and parseJsonPayload', () => {
    const frame = decodeFrame(encodeJsonFrame(FrameType.CLOSE, 3, { code: 'VNC_PORT_CLOSED', message: 'refused' }))!;
    expect(parseJsonPayload(frame.payload)).toEqual({ code: 'VNC_PORT_CLOSED', message: 'refused' });
  });

  it('are null when empty or not JSON', () => {
    expect(parseJsonPayload(Buffer.alloc(0))).toBeNull();
    expect(parseJsonPayload(Buffer.from('{"code":'))).toBeNull();
  });
});

describe('parseOpenRequest', () => {
  const open = (value: unknown) => parseOpenRequest(decodeFrame(encodeJsonFrame(FrameType.OPEN, 1, value))!.payload);

  it('reads host, port and timeout', () => {
    expect(open({ host: '10.1.2.17', port: 5900, timeoutMs: 5000 })).toEqual({ host: '10.1.2.17', port: 5900, timeoutMs: 5000 });
    expect(open({ host: '10.1.2.17', port: 5900, timeoutMs: '5000' })).toEqual({ host: '10.1.2.17', port: 5900, timeoutMs: undefined });
  });

  it('refuses a missing host, a port outside 1..65535 and anything not an object', () => {
    for (const bad of [{ port: 5900 }, { host: 'h', port: 0 }, { host: 'h', port: 65536 }, { host: 'h', port: 59.5 }, { host: 'h', port: '5900' }, null, 5900, []]) {
      expect(open(bad)).toBeNull();
    }
    expect(parseOpenRequest(Buffer.alloc(0))).toBeNull();
    expect(parseOpenRequest(Buffer.from('not json'))).toBeNull();
  });
});
