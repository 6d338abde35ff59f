import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';
import { cidr } from '../common/addresses';

export const agentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, '1-100 letters, digits, ., - or _ (e.g. pi-3)');

const location = lineText().max(200);
const subnets = z.array(cidr).max(64);

export const createAgentBody = z
  .object({ siteId: uuid, name: agentName, location: location.default(''), subnets: subnets.default([]) })
  .strict();
// No defaults here: a PATCH must not reset what it does not mention.
export const updateAgentBody = z.object({ name: agentName, location, subnets }).partial().strict();
export const listAgentsQuery = pageQuery.extend({ hospitalId: uuid.optional(), siteId: uuid.optional() });
