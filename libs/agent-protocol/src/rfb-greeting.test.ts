import { describe, expect, it } from 'vitest';
import { checkRfbGreeting, RFB_SERVER_VERSIONS } from './rfb-greeting';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('checkRfbGreeting', () => {
  it('accepts the server versions noVNC speaks to, and only whole ones', () => {
    for (const v of RFB_SERVER_VERSIONS) expect(checkRfbGreeting(bytes(`RFB ${v}\n`))).toBe('valid');
    expect(checkRfbGreeting(bytes('RFB 003.008\nmore bytes'))).toBe('valid');
    expect(checkRfbGreeting(bytes('RFB 003.00'))).toBe('incomplete');
    expect(checkRfbGreeting(bytes(''))).toBe('incomplete');
  });

  it('refuses other services from their first differing byte', () => {
    expect(checkRfbGreeting(bytes('H'))).toBe('invalid'); // HTTP/1.1 400 Bad Request
    expect(checkRfbGreeting(bytes('+OK\r\n'))).toBe('invalid'); // Redis
    expect(checkRfbGreeting(bytes('-ERR unknown command'))).toBe('invalid');
    expect(checkRfbGreeting(bytes('SSH-2.0-OpenSSH_9.2'))).toBe('invalid');
    expect(checkRfbGreeting(bytes('RFB x'))).toBe('invalid');
    expect(checkRfbGreeting(Buffer.from([0x52, 0x46, 0x42, 0x20, 0x00]))).toBe('invalid');
  });

  it('refuses unknown versions and a missing newline', () => {
    expect(checkRfbGreeting(bytes('RFB 009.999\n'))).toBe('invalid');
    expect(checkRfbGreeting(bytes('RFB 003.008\r'))).toBe('invalid');
    expect(checkRfbGreeting(bytes('RFB 003.008 '))).toBe('invalid');
  });
});
