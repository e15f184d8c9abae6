import { z } from 'zod';
import { FilterValidationError, parseFilter } from '../store/filter';
import type { Filter } from '../store/filter.types';

export const MAX_QUERY_CHARS = 2000;
export const MAX_LIMIT = 100;
export const MAX_BATCH_SEARCHES = 64;
/** How deep pagination goes (offset + limit), in hits or, grouped, in documents. */
export const MAX_DEPTH = 1000;

const filterSchema = z.unknown().transform((value, ctx): Filter | undefined => {
  if (value === undefined || value === null) return undefined;
  try {
    return parseFilter(value);
  } catch (err) {
    if (err instanceof FilterValidationError) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message });
      return z.NEVER;
    }
    throw err;
  }
});

export const searchBodySchema = z
  .object({
    query: z
      .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
      .max(MAX_QUERY_CHARS, `must be at most ${MAX_QUERY_CHARS} characters`)
      .refine((q) => q.trim().length > 0, 'must not be empty'),
    limit: z.number().int().min(1).max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`).default(10),
    filter: filterSchema.optional(),
    mode: z.enum(['dense', 'bm25', 'hybrid']).optional(),
    params: z
      .object({
        ef: z.number().int().min(1).max(4096).optional(),
        exact: z.boolean().optional(),
        weights: z
          .object({ dense: z.number().min(0).max(100), bm25: z.number().min(0).max(100) })
          .strict()
          .refine((w) => w.dense + w.bm25 > 0, 'dense and bm25 weights must not both be 0')
          .optional(),
      })
      .strict()
      .optional(),
    scoreThreshold: z.number().finite().optional(),
    groupBy: z
      .enum(['document'], { errorMap: () => ({ message: "must be 'document'" }) })
      .optional(),
    offset: z
      .number({ invalid_type_error: 'must be an integer' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(MAX_DEPTH - 1)
      .optional(),
  })
  .strict()
  .refine((b) => (b.offset ?? 0) + b.limit <= MAX_DEPTH, {
    message: `offset + limit must be at most ${MAX_DEPTH}`,
    path: ['offset'],
  });

export const batchSearchBodySchema = z
  .object({
    searches: z
      .array(searchBodySchema)
      .min(1, 'must hold at least one search')
      .max(MAX_BATCH_SEARCHES, `must hold at most ${MAX_BATCH_SEARCHES} searches`),
  })
  .strict();

export type SearchBody = z.infer<typeof searchBodySchema>;
