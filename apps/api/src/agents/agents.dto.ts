import { z } from 'zod';
import { pageQuery, uuid } from '../common/validation';
import { cidr } from '../kiosks/kiosks.dto';

export const agentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, '1-100 letters, digits, ., - or _ (e.g. pi-3)');

export const createAgentBody = z
  .object({
    siteId: uuid,
    name: agentName,
    location: z.string().trim().max(200).default(''),
    subnets: z.array(cidr).max(64).default([]),
  })
  .strict();
export const updateAgentBody = createAgentBody.omit({ siteId: true }).partial().strict();
export const listAgentsQuery = pageQuery.extend({ hospitalId: uuid.optional(), siteId: uuid.optional() });
