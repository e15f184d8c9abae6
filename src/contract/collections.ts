import { z } from 'zod';

export const SEARCH_MODES = ['dense', 'bm25', 'hybrid'] as const;
export const searchModeSchema = z.enum(SEARCH_MODES);
export type SearchMode = z.infer<typeof searchModeSchema>;

export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const collectionNameSchema = z
  .string()
  .regex(
    COLLECTION_NAME,
    'must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, _ and -)',
  );

/** Reciprocal-rank-fusion weights of hybrid search. */
export const hybridWeightsSchema = z
  .object({ dense: z.number().min(0).max(100), bm25: z.number().min(0).max(100) })
  .strict()
  .refine((w) => w.dense + w.bm25 > 0, 'dense and bm25 weights must not both be 0');

// ---------------------------------------------------------------- requests

/** Body of `PUT /v1/collections/:name` (every field optional). */
export const createCollectionSchema = z
  .object({
    embedder: z.string().min(1).max(200).optional(),
    hnsw: z
      .object({
        m: z.number().int().min(4).max(128).optional(),
        efConstruct: z.number().int().min(8).max(2048).optional(),
      })
      .strict()
      .optional(),
    quantization: z.enum(['none', 'int8']).optional(),
    hybrid: z.boolean().optional(),
    defaultMode: searchModeSchema.optional(),
    hybridWeights: hybridWeightsSchema.optional(),
  })
  .strict();

export type CreateCollectionBody = z.infer<typeof createCollectionSchema>;
/** What a client may send to create a collection. */
export type CollectionSettings = z.input<typeof createCollectionSchema>;

/** Body of `POST /v1/collections/:name/reembed`. */
export const reembedBodySchema = z
  .object({
    embedder: z.string({ required_error: 'is required' }).min(1).max(200),
  })
  .strict();

export type ReembedBody = z.infer<typeof reembedBodySchema>;

// ---------------------------------------------------------------- responses

/** A collection's tuned search breadth, as stored on it by a tune with `apply`. */
export const searchTuningSchema = z.object({
  /** The ef searches of this collection use unless a request gives its own. */
  ef: z.number().int(),
  /** Under load the optimizer lowers ef in proportion, never below this. */
  floorEf: z.number().int(),
  target: z.number(),
  floor: z.number(),
  /** recall@10 measured at ef. */
  recall: z.number(),
  samples: z.number().int(),
  tunedAt: z.string(),
});

export type SearchTuning = z.infer<typeof searchTuningSchema>;

export const collectionViewSchema = z.object({
  name: z.string(),
  documents: z.number().int().min(0),
  chunks: z.number().int().min(0),
  dimensions: z.number().int().min(1),
  embedder: z.string(),
  store: z.enum(['lancedb', 'qdrant']),
  /** The collection in the vector store that holds the data (changes with a re-embedding). */
  storeCollection: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  /** The creation settings with their defaults, and `searchTuning` once a tune was applied. */
  config: z.object({
    embedder: z.string(),
    dimensions: z.number().int(),
    hnsw: z.object({ m: z.number().int(), efConstruct: z.number().int() }),
    quantization: z.enum(['none', 'int8']),
    hybrid: z.boolean(),
    defaultMode: searchModeSchema,
    hybridWeights: z.object({ dense: z.number(), bm25: z.number() }),
    searchTuning: searchTuningSchema.optional(),
  }),
  /** A re-embedding underway: searches use `embedder` until it switches. */
  reembedding: z
    .object({
      jobId: z.string(),
      embedder: z.string(),
      state: z.enum(['queued', 'running']),
      /** The store collection being built. */
      storeCollection: z.string(),
    })
    .optional(),
});

export type CollectionInfo = z.infer<typeof collectionViewSchema>;

export const collectionListSchema = z.object({ collections: z.array(collectionViewSchema) });
export type CollectionList = z.infer<typeof collectionListSchema>;

/** `POST /v1/collections/:name/reembed`: 202 with a job, or 200 (`unchanged`) without one. */
export const reembedAcceptedSchema = z.object({
  /** The job to follow with `GET /v1/jobs/:id`; null when there was nothing to do. */
  job: z.object({ id: z.string() }).nullable(),
  collection: z.string(),
  from: z.string(),
  to: z.string(),
  /** `queued`: a new job; `running`: the same re-embedding was already underway. */
  status: z.enum(['queued', 'running', 'unchanged']),
});

export type ReembedResponse = z.infer<typeof reembedAcceptedSchema>;

/** The result of a completed re-embed job (`GET /v1/jobs/:id`, queue `reembed`). */
export const reembedResultSchema = z.object({
  collection: z.string(),
  from: z.string(),
  to: z.string(),
  dimensions: z.number().int(),
  /** The store collection that now holds the data. */
  storeName: z.string(),
  documents: z.number().int(),
  chunks: z.number().int(),
  /** The collection's version after the switch. */
  version: z.number().int(),
  timings: z.record(z.number()),
});

export type ReembedResult = z.infer<typeof reembedResultSchema>;
