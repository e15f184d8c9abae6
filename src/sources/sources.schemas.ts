import { z } from 'zod';

const httpUrl = z
  .string({ invalid_type_error: 'must be a string' })
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

const patterns = z.array(z.string().min(1).max(2048)).max(100);

/** A cron expression (5 or 6 fields) or an interval such as `30m`, `6h`, `1d` (at least 1 minute). */
export const SCHEDULE = /^((\S+\s+){4,5}\S+|\d+\s*(m|h|d))$/;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

export const createSourceSchema = z
  .object({
    type: z.enum(['sitemap', 'crawl', 'urls'], {
      errorMap: () => ({ message: "must be 'sitemap', 'crawl' or 'urls'" }),
    }),
    url: httpUrl.optional(),
    urls: z.array(httpUrl).min(1).max(10_000).optional(),
    include: patterns.optional(),
    exclude: patterns.optional(),
    maxPages: z.number().int().min(1).max(1_000_000).optional(),
    maxDepth: z.number().int().min(0).max(100).optional(),
    schedule: z
      .string()
      .trim()
      .regex(SCHEDULE, "must be a cron expression or an interval like '30m', '6h', '1d'")
      .optional(),
    headers: z
      .record(z.string().max(4096))
      .refine((h) => Object.keys(h).every((k) => HEADER_NAME.test(k)), 'has an invalid header name')
      .refine(
        (h) => Object.keys(h).every((k) => !FORBIDDEN_HEADERS.has(k.toLowerCase())),
        'may not set host, content-length, connection or transfer-encoding',
      )
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.type === 'urls' ? !body.urls : !body.url) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [body.type === 'urls' ? 'urls' : 'url'],
        message: `is required for type '${body.type}'`,
      });
    }
    if (body.type === 'urls' && body.url !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['url'],
        message: "use 'urls' for type 'urls'",
      });
    }
    if (body.type !== 'urls' && body.urls !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['urls'],
        message: `is only for type 'urls'`,
      });
    }
  });

export type CreateSourceBody = z.infer<typeof createSourceSchema>;

export const deleteSourceQuerySchema = z
  .object({ documents: z.enum(['keep', 'delete']).default('keep') })
  .strict();

/** A schedule as BullMQ's repeat options: an interval in ms, or a cron pattern. */
export function repeatOf(schedule: string): { every: number } | { pattern: string } {
  const interval = /^(\d+)\s*(m|h|d)$/.exec(schedule);
  if (!interval) return { pattern: schedule };
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[interval[2] as 'm' | 'h' | 'd'];
  return { every: Math.max(60_000, Number(interval[1]) * unit) };
}
