/**
 * What a relay stream must start with: a VNC server's RFB ProtocolVersion message
 * (RFC 6143 7.1.1), 12 bytes such as `RFB 003.008\n`. Both ends of the relay (the API
 * and the agent) read it before they pass on a single byte from the viewer, so that a
 * kiosk address pointing at anything but a VNC server (Redis, HTTP, a database)
 * never receives what a viewer sends.
 */
export const RFB_GREETING_LENGTH = 12;

/** The versions noVNC speaks to: 3.3 (and 3.6, 3.889), 3.7, 3.8 (and 4.0, 4.1, 5.0). */
export const RFB_SERVER_VERSIONS: readonly string[] = [
  '003.003',
  '003.006',
  '003.007',
  '003.008',
  '003.889',
  '004.000',
  '004.001',
  '005.000',
];

const PATTERN = Buffer.from('RFB 000.000\n');

/**
 * `valid` once the first 12 bytes are a known RFB server version, `invalid` as soon as
 * a byte cannot belong to one (an HTTP or Redis reply is refused from its first
 * byte), `incomplete` while fewer than 12 bytes have come and all fit.
 */
export function checkRfbGreeting(bytes: Uint8Array): 'valid' | 'invalid' | 'incomplete' {
  const n = Math.min(bytes.length, RFB_GREETING_LENGTH);
  for (let i = 0; i < n; i++) {
    const want = PATTERN[i]!;
    const got = bytes[i]!;
    const fits = want === 0x30 ? got >= 0x30 && got <= 0x39 : got === want;
    if (!fits) return 'invalid';
  }
  if (n < RFB_GREETING_LENGTH) return 'incomplete';
  const version = Buffer.from(bytes.subarray(4, 11)).toString('latin1');
  return RFB_SERVER_VERSIONS.includes(version) ? 'valid' : 'invalid';
}
