/**
 * Why a screen session could not start or ended. A browser cannot read the HTTP
 * status of a refused WebSocket upgrade, so the viewer endpoint accepts the upgrade
 * and closes with one of these close codes and the stable code as reason; the
 * console turns the reason into a message. The ticket endpoint uses the same codes
 * in its ordinary error body.
 */
export const ScreenClose = {
  /** The kiosk's VNC server ended the connection. */
  ENDED: { close: 1000, code: 'SCREEN_ENDED' },
  SERVER_STOPPING: { close: 1001, code: 'SERVER_STOPPING' },
  BAD_REQUEST: { close: 4400, code: 'BAD_REQUEST' },
  UNAUTHENTICATED: { close: 4401, code: 'UNAUTHENTICATED' },
  /** The console session the screen was opened with ended (logout, the account changed or was disabled). */
  SESSION_ENDED: { close: 4401, code: 'SESSION_ENDED' },
  TICKET_INVALID: { close: 4403, code: 'REMOTE_TICKET_INVALID' },
  KIOSK_NOT_FOUND: { close: 4404, code: 'KIOSK_NOT_FOUND' },
  /** The kiosk's address or port is not one the relay connects to (outside the declared subnets, loopback...): ops must fix it. */
  TARGET_REFUSED: { close: 4406, code: 'REMOTE_TARGET_REFUSED' },
  IDLE: { close: 4408, code: 'REMOTE_IDLE_TIMEOUT' },
  VIEWER_LIMIT: { close: 4409, code: 'REMOTE_VIEWER_LIMIT' },
  /** A user who may only watch has one screen of a site at a time. */
  OWN_SESSION_OPEN: { close: 4411, code: 'REMOTE_SESSION_OPEN_ALREADY' },
  AGENT_LOST: { close: 4410, code: 'REMOTE_AGENT_LOST' },
  PROTOCOL: { close: 4422, code: 'RFB_PROTOCOL_UNSUPPORTED' },
  INTERNAL: { close: 4500, code: 'REMOTE_RELAY_FAILED' },
  VNC_PORT_CLOSED: { close: 4502, code: 'VNC_PORT_CLOSED' },
  NO_AGENT: { close: 4503, code: 'REMOTE_NO_AGENT' },
  KIOSK_OFF: { close: 4504, code: 'KIOSK_UNREACHABLE' },
  KIOSK_IP_MISSING: { close: 4505, code: 'KIOSK_IP_MISSING' },
  /** Something answers at the kiosk's address and port, but it is not a VNC server (no RFB greeting). */
  NOT_VNC: { close: 4506, code: 'REMOTE_NOT_VNC' },
} as const;

export type ScreenCloseReason = (typeof ScreenClose)[keyof typeof ScreenClose];

const byCode = new Map<string, ScreenCloseReason>(Object.values(ScreenClose).map((r) => [r.code, r]));

export function closeReasonOf(code: string): ScreenCloseReason {
  return byCode.get(code) ?? ScreenClose.INTERNAL;
}

/** A failed connect to a kiosk's VNC port, by the errno the connect ended with. */
export class KioskConnectError extends Error {
  constructor(
    readonly reason: ScreenCloseReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Refused = the kiosk answers but nothing listens on the port (VNC server not
 * running); a timeout or an unreachable host = the kiosk is off or cut off.
 */
export function classifyConnectError(err: NodeJS.ErrnoException | Error, target: string): KioskConnectError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    return new KioskConnectError(ScreenClose.VNC_PORT_CLOSED, `the kiosk answers but its VNC port is closed (${target})`);
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') {
    return new KioskConnectError(ScreenClose.KIOSK_OFF, `the kiosk does not answer (${target}): it is off or cut off`);
  }
  return new KioskConnectError(ScreenClose.INTERNAL, `cannot reach ${target}: ${err.message}`);
}
