import { isValidTimeZone } from '@wakeward/scheduler';
import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const timeZone = z.string().refine(isValidTimeZone, 'not an IANA time zone (e.g. Asia/Shanghai)');

export const createSiteBody = z.object({
  hospitalId: uuid,
  name: lineText().min(1, 'required').max(200),
  timeZone: timeZone.default(DEFAULT_TIME_ZONE),
});
export const updateSiteBody = z
  .object({ name: createSiteBody.shape.name, timeZone })
  .partial()
  .strict();
export const listSitesQuery = pageQuery.extend({ hospitalId: uuid.optional(), q: z.string().max(100).optional() });
