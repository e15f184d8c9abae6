import { z } from 'zod';
import { hybridWeightsSchema, searchModeSchema } from './collections';
import { filterParamSchema } from './filter';

export const MAX_QUERY_CHARS = 2000;
export const MAX_LIMIT = 100;
export const MAX_BATCH_SEARCHES = 64;
/** How deep pagination goes (offset + limit), in hits or, grouped, in documents. */
export const MAX_DEPTH = 1000;

// ---------------------------------------------------------------- requests

/** Body of `POST /v1/collections/:name/search`. */
export const searchBodySchema = z
  .object({
    query: z
      .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
      .max(MAX_QUERY_CHARS, `must be at most ${MAX_QUERY_CHARS} characters`)
      .refine((q) => q.trim().length > 0, 'must not be empty'),
    limit: z.number().int().min(1).max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`).default(10),
    filter: filterParamSchema.optional(),
    mode: searchModeSchema.optional(),
    params: z
      .object({
        ef: z.number().int().min(1).max(4096).optional(),
        exact: z.boolean().optional(),
        weights: hybridWeightsSchema.optional(),
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

/** Body of `POST /v1/collections/:name/search/batch`. */
export const batchSearchBodySchema = z
  .object({
    searches: z
      .array(searchBodySchema)
      .min(1, 'must hold at least one search')
      .max(MAX_BATCH_SEARCHES, `must hold at most ${MAX_BATCH_SEARCHES} searches`),
  })
  .strict();

/** A search as the server reads it (defaults applied, filter normalised). */
export type SearchBody = z.infer<typeof searchBodySchema>;
/** A search as a client sends it. */
export type SearchRequest = z.input<typeof searchBodySchema>;
export type SearchBatchRequest = z.input<typeof batchSearchBodySchema>;

// ---------------------------------------------------------------- responses

const hitFields = {
  /** The chunk's id in the store. */
  id: z.string(),
  documentId: z.string(),
  chunkIndex: z.number().int().min(0),
  score: z.number(),
  text: z.string(),
  /** The headings above the chunk, outermost first (empty for text without headings). */
  headingPath: z.array(z.string()),
  metadata: z.record(z.unknown()),
  /** Character ranges [start, end) of the query's terms in `text` (grouped results). */
  highlights: z.array(z.array(z.number().int()).length(2)).optional(),
};

export const searchChunkSchema = z.object(hitFields);

export const searchHitSchema = z.object({
  ...hitFields,
  /** Grouped results: the document's best matching chunks, best first (the hit is the first). */
  chunks: z.array(searchChunkSchema).optional(),
});

export type SearchHit = z.infer<typeof searchHitSchema>;

export const cacheTierSchema = z.enum(['l1', 'l2', 'miss']);

export const searchResponseSchema = z.object({
  hits: z.array(searchHitSchema),
  /** Which cache tier answered (`miss`: a search worker did). */
  cache: cacheTierSchema,
  /** The collection's version the answer reflects. */
  version: z.number().int(),
  took: z.object({
    totalMs: z.number(),
    queueMs: z.number().optional(),
    embedMs: z.number().optional(),
    storeMs: z.number().optional(),
  }),
});

export type SearchResponse = z.infer<typeof searchResponseSchema>;

export const searchBatchResponseSchema = z.object({ results: z.array(searchResponseSchema) });
export type SearchBatchResponse = z.infer<typeof searchBatchResponseSchema>;
