import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from './security-headers';

// docker-compose's console is served by nginx, not by the API: its headers must say
// the same, or the console behaves differently in the two deployments.
const headersFile = fileURLToPath(new URL('../../../../deploy/console-headers.conf', import.meta.url));
const nginxFile = fileURLToPath(new URL('../../../../deploy/nginx.conf', import.meta.url));

describe("nginx's console headers", () => {
  const conf = readFileSync(headersFile, 'utf8');

  it('carry the same Content-Security-Policy as the API', () => {
    const csp = /add_header Content-Security-Policy "([^"]+)" always;/.exec(conf)?.[1];
    expect(csp).toBeDefined();
    const nginxPolicy = Object.fromEntries(
      csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]),
    );
    expect(nginxPolicy).toEqual(CONTENT_SECURITY_POLICY);
  });

  it('deny framing and sniffing and send no referrer', () => {
    expect(conf).toMatch(/add_header X-Frame-Options DENY always;/);
    expect(conf).toMatch(/add_header X-Content-Type-Options nosniff always;/);
    expect(conf).toMatch(/add_header Referrer-Policy no-referrer always;/);
  });

  it('are included by every location that serves the console', () => {
    const nginx = readFileSync(nginxFile, 'utf8');
    const consoleLocations = [...nginx.matchAll(/location (\/[^\s{]*) \{([^}]*)\}/g)];
    expect(consoleLocations.map((m) => m[1])).toEqual(['/assets/', '/']);
    for (const [, , body] of consoleLocations) expect(body).toContain('include /etc/nginx/snippets/console-headers.conf;');
  });
});
