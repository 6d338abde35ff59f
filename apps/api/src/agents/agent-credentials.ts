import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * Agent tokens and enrolment codes. Only SHA-256 hashes are stored: a token or a
 * code is shown once, when it is made. A token carries 256 random bits, so a plain
 * hash (no salt, no slow KDF) is enough and lets the guard find the agent by index.
 */
export function newAgentToken(): string {
  return `wka_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Letters and digits that survive being read aloud or typed on a Pi: no 0/O, 1/I/L. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 16;

/** e.g. `K7QM-3XWP-RT9A-HC2D`: about 79 random bits. */
export function newEnrolmentCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code.match(/.{4}/g)!.join('-');
}

/** What is hashed: upper case, without the dashes and spaces people add or drop. */
export function normalizeEnrolmentCode(input: string): string {
  return input.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export const ENROLMENT_CODE_TTL_MS = 24 * 3_600_000;
