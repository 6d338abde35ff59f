import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';
import { cidr } from '../common/addresses';
import { isValidTimeZone } from '../common/time-zones';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const timeZone = z.string().refine(isValidTimeZone, 'not an IANA time zone (e.g. Asia/Shanghai)');
/** Where the site's kiosks live (e.g. its VLANs); remote screens of the direct route reach only these. */
const subnets = z.array(cidr).max(64);

export const createSiteBody = z.object({
  hospitalId: uuid,
  name: lineText().min(1, 'required').max(200),
  timeZone: timeZone.default(DEFAULT_TIME_ZONE),
  subnets: subnets.default([]),
});
export const updateSiteBody = z
  .object({ name: createSiteBody.shape.name, timeZone, subnets })
  .partial()
  .strict();
export const listSitesQuery = pageQuery.extend({ hospitalId: uuid.optional(), q: z.string().max(100).optional() });
