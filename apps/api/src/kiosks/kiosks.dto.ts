import { normalizeMac } from '@wakeward/wol';
import { z } from 'zod';
import { cidr, ipInSubnet, ipv4 } from '../common/addresses';
import { lineText, multilineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';
import { KIOSK_KINDS } from './kiosk.entity';

export const kioskCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1-64 letters, digits, ., - or _ (e.g. MZ-1F-07)');

export const macAddress = z.string().transform((value, ctx) => {
  try {
    return normalizeMac(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A name only: agents run the method of that name from their own configuration, never one sent to them. */
const SHUTDOWN_METHOD_MESSAGE =
  "the name of a shutdown method configured on the site's agents (e.g. net-rpc): 1-32 lowercase letters, digits or -, starting with a letter";
const shutdownMethod = z.string({ error: SHUTDOWN_METHOD_MESSAGE }).regex(/^[a-z][a-z0-9-]{0,31}$/, SHUTDOWN_METHOD_MESSAGE);

/** Checks of each field, without defaults: a PATCH must not reset what it does not mention. */
const kioskFieldChecks = {
  code: kioskCode,
  name: lineText().min(1, 'required').max(200),
  kind: z.enum(KIOSK_KINDS, { message: `one of ${KIOSK_KINDS.join(', ')}` }),
  location: lineText().max(200),
  notes: multilineText().max(1000),
  ip: ipv4.nullable(),
  mac: macAddress,
  subnet: cidr.nullable(),
  vncPort: z.number().int().min(1).max(65535),
};

/** A CSV cell is text: only there is a port read from its digits (JSON must carry a number). */
const vncPortCell = z
  .string()
  .regex(/^\d{1,5}$/, 'a port number (1-65535)')
  .transform(Number)
  .pipe(kioskFieldChecks.vncPort);

/** The fields of a kiosk that a CSV row carries too, with the defaults of a new kiosk. */
export const kioskFields = z.object({
  ...kioskFieldChecks,
  location: kioskFieldChecks.location.default(''),
  notes: kioskFieldChecks.notes.default(''),
  ip: kioskFieldChecks.ip.default(null),
  subnet: kioskFieldChecks.subnet.default(null),
  vncPort: kioskFieldChecks.vncPort.default(5900),
});

function ipMatchesSubnet(k: { ip?: string | null; subnet?: string | null }, ctx: z.RefinementCtx) {
  // Malformed values are reported by their own field checks.
  const comparable = k.ip && k.subnet && ipv4.safeParse(k.ip).success && cidr.safeParse(k.subnet).success;
  if (comparable && !ipInSubnet(k.ip!, k.subnet!)) {
    ctx.addIssue({ code: 'custom', path: ['ip'], message: `${k.ip} is not in subnet ${k.subnet}` });
  }
}

export const kioskRow = kioskFields.extend({ vncPort: vncPortCell.default(5900) }).superRefine(ipMatchesSubnet);

export const createKioskBody = kioskFields
  .extend({ siteId: uuid, shutdownMethod: shutdownMethod.nullable().default(null) })
  .strict()
  .superRefine(ipMatchesSubnet);

export const updateKioskBody = z
  .object({ ...kioskFieldChecks, siteId: uuid, shutdownMethod: shutdownMethod.nullable() })
  .partial()
  .strict();

export const listKiosksQuery = pageQuery.extend({
  hospitalId: uuid.optional(),
  siteId: uuid.optional(),
  kind: z.enum(KIOSK_KINDS).optional(),
  q: z.string().max(100).optional(),
});

/** Kiosks matching one piece of text across every site the user may see (the console's search box). */
export const searchKiosksQuery = z.object({
  q: lineText().min(1, 'type part of a code, name, IP or MAC').max(100),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  /** One hospital only (the rule editor picks kiosks of the rule's hospital). */
  hospitalId: uuid.optional(),
});
