/** The agent's bearer token, the one secret on the Pi: owner-only file (0600). */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file';

export interface Enrolment {
  agentId: string;
  token: string;
  enrolledAt: string;
}

export function tokenFile(stateDir: string): string {
  return path.join(stateDir, 'agent-token.json');
}

export function saveEnrolment(stateDir: string, enrolment: Enrolment): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(tokenFile(stateDir), JSON.stringify(enrolment), { mode: 0o600 });
}

export function loadEnrolment(stateDir: string): Enrolment | undefined {
  try {
    return JSON.parse(fs.readFileSync(tokenFile(stateDir), 'utf8')) as Enrolment;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
