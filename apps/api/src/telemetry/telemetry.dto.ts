import { z } from 'zod';

export const METRICS = ['temperature', 'humidity', 'smoke'] as const;
export type Metric = (typeof METRICS)[number];

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 instant')
  .transform((s) => new Date(s));
const commaList = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const metricList = commaList.pipe(z.array(z.enum(METRICS)).max(3));
const uuidList = commaList.pipe(z.array(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be UUIDs')).max(200));

const range = z
  .object({ from: instant.optional(), to: instant.optional() })
  .transform(({ from, to }) => {
    const end = to ?? new Date();
    return { from: from ?? new Date(end.getTime() - 86_400_000), to: end };
  })
  .refine((r) => r.from.getTime() < r.to.getTime(), { message: 'from must be before to', path: ['from'] });

export const environmentQuery = z
  .object({
    from: z.string().optional(),
    to: z.string().optional(),
    metrics: metricList.optional(),
    agents: uuidList.optional(),
  })
  .transform((q, ctx) => {
    const r = range.safeParse({ from: q.from, to: q.to });
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ ...i, code: 'custom', message: i.message });
      return z.NEVER;
    }
    return { ...r.data, metrics: q.metrics?.length ? q.metrics : [...METRICS], agents: q.agents };
  })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 5 * 366 * 86_400_000, { message: 'at most 5 years', path: ['from'] });

export const correlationQuery = z
  .object({ from: z.string().optional(), to: z.string().optional() })
  .transform((q, ctx) => {
    const end = q.to ? instant.safeParse(q.to) : { success: true as const, data: new Date() };
    const start = q.from ? instant.safeParse(q.from) : { success: true as const, data: new Date((end.success ? end.data : new Date()).getTime() - 7 * 86_400_000) };
    if (!end.success || !start.success) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 instant', path: [end.success ? 'from' : 'to'] });
      return z.NEVER;
    }
    return { from: start.data, to: end.data };
  })
  .refine((q) => q.from.getTime() < q.to.getTime(), { message: 'from must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 92 * 86_400_000, { message: 'at most 92 days', path: ['from'] });

const minutes = z.number().int().min(1).max(24 * 60);
export const thresholdsBody = z
  .object({
    temperatureMaxC: z.number().min(-50).max(150),
    temperatureForMinutes: minutes,
    humidityMaxPct: z.number().min(0).max(100),
    humidityForMinutes: minutes,
    smokeAlarm: z.boolean(),
    silentForMinutes: minutes,
    clearForMinutes: minutes,
    webhookUrl: z
      .string()
      .url()
      .max(500)
      .regex(/^https?:\/\//, 'must be an http(s) URL')
      .nullable(),
  })
  .partial()
  .strict();
