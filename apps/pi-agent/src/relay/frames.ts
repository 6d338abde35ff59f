/**
 * Relay channel framing (README "Relay channel"), the agent's copy: every binary
 * WebSocket message is `type (u8) | stream id (u32 BE) | payload`.
 */
export const FrameType = { OPEN: 1, OPENED: 2, DATA: 3, CLOSE: 4, PAUSE: 5, RESUME: 6 } as const;
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: FrameTypeValue;
  streamId: number;
  payload: Buffer;
}

const HEADER = 5;

export function encodeFrame(type: FrameTypeValue, streamId: number, payload?: Buffer | string): Buffer {
  const body = payload === undefined ? Buffer.alloc(0) : typeof payload === 'string' ? Buffer.from(payload) : payload;
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame[0] = type;
  frame.writeUInt32BE(streamId >>> 0, 1);
  frame.set(body, HEADER);
  return frame;
}

export function decodeFrame(message: Buffer): Frame | null {
  if (message.length < HEADER) return null;
  const type = message[0] as FrameTypeValue;
  if (type < FrameType.OPEN || type > FrameType.RESUME) return null;
  return { type, streamId: message.readUInt32BE(1), payload: message.subarray(HEADER) };
}

/** What the API asks for in OPEN. */
export interface OpenRequest {
  host: string;
  port: number;
  timeoutMs?: number;
}

export function parseOpenRequest(payload: Buffer): OpenRequest | null {
  try {
    const v = JSON.parse(payload.toString('utf8')) as Partial<OpenRequest>;
    if (typeof v.host !== 'string' || !Number.isInteger(v.port) || v.port! < 1 || v.port! > 65535) return null;
    return { host: v.host, port: v.port!, timeoutMs: typeof v.timeoutMs === 'number' ? v.timeoutMs : undefined };
  } catch {
    return null;
  }
}
