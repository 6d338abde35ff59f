/**
 * The relay channel's framing. Many TCP streams share one WebSocket; stream ids are
 * chosen by the API.
 *
 * - OPEN   API -> agent, payload JSON `{ host, port, timeoutMs }`: connect to a kiosk's VNC port
 * - OPENED agent -> API, no payload: the TCP connection is up
 * - DATA   both ways, payload = bytes of the stream
 * - CLOSE  both ways, payload empty or JSON `{ code, message }`: the stream is over
 * - PAUSE / RESUME both ways: stop / start sending DATA of this stream (the receiver's
 *   outlet is full / drained) — the one flow control over a shared line
 */
export const FrameType = { OPEN: 1, OPENED: 2, DATA: 3, CLOSE: 4, PAUSE: 5, RESUME: 6 } as const;
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: FrameTypeValue;
  streamId: number;
  payload: Buffer;
}

/** What the API asks for in OPEN. */
export interface OpenRequest {
  host: string;
  port: number;
  timeoutMs?: number;
}

const HEADER = 5;

export function encodeFrame(type: FrameTypeValue, streamId: number, payload?: Buffer | Uint8Array | string): Buffer {
  const body = payload === undefined ? Buffer.alloc(0) : typeof payload === 'string' ? Buffer.from(payload) : payload;
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame[0] = type;
  frame.writeUInt32BE(streamId >>> 0, 1);
  frame.set(body, HEADER);
  return frame;
}

export function encodeJsonFrame(type: FrameTypeValue, streamId: number, value: unknown): Buffer {
  return encodeFrame(type, streamId, JSON.stringify(value));
}

/** null for anything that is not a frame of a known type. The payload is a view into the message. */
export function decodeFrame(message: Buffer): Frame | null {
  if (message.length < HEADER) return null;
  const type = message[0] as FrameTypeValue;
  if (type < FrameType.OPEN || type > FrameType.RESUME) return null;
  return { type, streamId: message.readUInt32BE(1), payload: message.subarray(HEADER) };
}

export function parseJsonPayload<T>(payload: Buffer): T | null {
  if (!payload.length) return null;
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch {
    return null;
  }
}

/** null unless the payload names a host and a TCP port; a timeoutMs that is not a number is dropped. */
export function parseOpenRequest(payload: Buffer): OpenRequest | null {
  const v = parseJsonPayload<Partial<OpenRequest>>(payload);
  if (!v || typeof v.host !== 'string' || !Number.isInteger(v.port) || v.port! < 1 || v.port! > 65535) return null;
  return { host: v.host, port: v.port!, timeoutMs: typeof v.timeoutMs === 'number' ? v.timeoutMs : undefined };
}
