import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery } from '../common/validation';

export const createHospitalBody = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, '1-32 letters, digits, - or _'),
  name: lineText().min(1, 'required').max(200),
});
export const updateHospitalBody = createHospitalBody.partial().strict();
export const listHospitalsQuery = pageQuery.extend({ q: z.string().max(100).optional() });
