import { z } from 'zod';
import { ALERT_KINDS } from '../alerts/alert.entity';
import { ALERT_LANGUAGES } from '../alerts/alert-text';
import { lineText } from '../common/text';
import { uuid } from '../common/validation';
import { CHANNEL_TYPES } from './notification-channel.entity';

export const MAX_EMAIL_RECIPIENTS = 20;

const fields = {
  name: lineText().min(1, 'required').max(100),
  type: z.enum(CHANNEL_TYPES),
  /** Checked against the type by channelTargetProblem (the type may come from the stored channel). */
  target: z.string().trim().min(1, 'required').max(1000),
  /** DingTalk's signing secret; null removes it. */
  secret: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .nullable(),
  language: z.enum(ALERT_LANGUAGES as [string, ...string[]]),
  siteIds: z
    .array(uuid)
    .max(500)
    .transform((ids) => [...new Set(ids)]),
  kinds: z
    .array(z.enum(ALERT_KINDS))
    .max(ALERT_KINDS.length)
    .transform((kinds) => [...new Set(kinds)]),
  graceSeconds: z.number().int().min(0).max(86_400),
  enabled: z.boolean(),
};

/** `hospitalId: null` is every hospital's channel (admins only). Language: zh-CN for the Chinese robots, else en, unless given. */
export const createChannelBody = z
  .object({
    hospitalId: uuid.nullable(),
    name: fields.name,
    type: fields.type,
    target: fields.target,
    secret: fields.secret.optional(),
    language: fields.language.optional(),
    siteIds: fields.siteIds.default([]),
    kinds: fields.kinds.default([]),
    graceSeconds: fields.graceSeconds.default(120),
    enabled: fields.enabled.default(true),
  })
  .strict();

/** The hospital of a channel never changes: delete and create instead. */
export const updateChannelBody = z.object(fields).partial().strict();

// A single address: no spaces, quotes, angle brackets or separators (nothing that could add a header or a recipient).
const EMAIL =
  /^[^\s@,;<>"'()[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** What is wrong with a target for a channel type, or null. */
export function channelTargetProblem(type: string, target: string): string | null {
  if (type === 'email') {
    const addresses = target.split(',').map((a) => a.trim());
    if (addresses.length > MAX_EMAIL_RECIPIENTS) return `at most ${MAX_EMAIL_RECIPIENTS} addresses`;
    const bad = addresses.find((a) => !EMAIL.test(a));
    return bad === undefined
      ? null
      : `${JSON.stringify(bad)} is not an e-mail address (comma-separated addresses such as ops@hospital.example)`;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.hash) return 'a webhook URL has no #fragment';
  return null;
}
