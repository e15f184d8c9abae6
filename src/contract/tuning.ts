import { z } from 'zod';
import { searchTuningSchema } from './collections';

export const DEFAULT_TUNE_EFS = [16, 32, 64, 128, 256];
export const DEFAULT_TUNE_SAMPLES = 200;
export const DEFAULT_TUNE_TARGET = 0.99;
export const DEFAULT_TUNE_FLOOR = 0.95;
export const MAX_TUNE_SAMPLES = 2000;
export const MAX_TUNE_EFS = 8;

// ---------------------------------------------------------------- requests

const recall = z
  .number({ invalid_type_error: 'must be a number' })
  .gt(0, 'must be a recall above 0')
  .max(1, 'must be a recall of at most 1');

/**
 * Body of POST /v1/admin/collections/:name/tune. ef values are sorted and de-duplicated; the
 * floor defaults to 0.95, or to the target when that is lower, and may not exceed it.
 */
export const tuneBodySchema = z
  .object({
    /** Stored points sampled as queries. */
    samples: z
      .number({ invalid_type_error: 'must be an integer' })
      .int('must be an integer')
      .min(10, 'must be at least 10')
      .max(MAX_TUNE_SAMPLES, `must be at most ${MAX_TUNE_SAMPLES}`)
      .default(DEFAULT_TUNE_SAMPLES),
    /** `ef` values to measure. */
    ef: z
      .array(
        z
          .number({ invalid_type_error: 'must be an integer' })
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(4096, 'must be at most 4096'),
        { invalid_type_error: 'must be a list of integers' },
      )
      .min(1, 'must name at least one ef')
      .max(MAX_TUNE_EFS, `must name at most ${MAX_TUNE_EFS} values`)
      .default(DEFAULT_TUNE_EFS)
      .transform((efs) => [...new Set(efs)].sort((a, b) => a - b)),
    /** recall@10 the recommended ef must reach. */
    target: recall.default(DEFAULT_TUNE_TARGET),
    /** Lowest recall@10 the optimizer may trade down to under load (<= target). */
    floor: recall.optional(),
    /** Store the recommendation on the collection when there is one. */
    apply: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.floor !== undefined && body.floor > body.target) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['floor'],
        message: `must not exceed target (${body.target})`,
      });
    }
  })
  .transform((body) => ({
    ...body,
    floor: body.floor ?? Math.min(DEFAULT_TUNE_FLOOR, body.target),
  }));

export type TuneBody = z.infer<typeof tuneBodySchema>;
/** A tune request as a client sends it (every field optional). */
export type TuneRequest = z.input<typeof tuneBodySchema>;

// ---------------------------------------------------------------- responses

/** 202 of a tune request: the job to follow with `GET /v1/jobs/:id`. */
export const tuneStartedSchema = z.object({
  job: z.object({ id: z.string(), queue: z.literal('tune') }),
  /** True when a tune of this collection was already waiting or running: this is that job. */
  alreadyRunning: z.boolean(),
});

export type TuneStarted = z.infer<typeof tuneStartedSchema>;

/**
 * How a row's searches used an int8 collection's quantized vectors: `rescore` (int8 candidates
 * re-ranked on the float32 originals, what searches use), `raw` (int8 ranking only), `ignore`
 * (float32 originals only, Qdrant); `none` for a collection without quantization.
 */
export const tuneVariantSchema = z.enum(['none', 'rescore', 'raw', 'ignore']);
export type TuneVariant = z.infer<typeof tuneVariantSchema>;

export const tuneRowSchema = z.object({
  variant: tuneVariantSchema,
  ef: z.number().int(),
  /** Mean recall@10 against exact search. */
  recall: z.number(),
  /** 5th percentile of the per-query recall: 95% of the queries got at least this. */
  recallP5: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  /** Sequential searches per second. */
  qps: z.number(),
});

export type TuneRow = z.infer<typeof tuneRowSchema>;

export const tuneRecommendationSchema = z.object({
  /** The smallest measured ef whose recall@10 reaches the target (searches' own variant). */
  ef: z.number().int(),
  recall: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  /** The smallest measured ef (<= ef) whose recall@10 reaches the floor. */
  floorEf: z.number().int(),
  floorRecall: z.number(),
});

export type TuneRecommendation = z.infer<typeof tuneRecommendationSchema>;

/** A completed tune job's result. */
export const tuneReportSchema = z.object({
  collection: z.string(),
  store: z.enum(['lancedb', 'qdrant']),
  quantization: z.enum(['none', 'int8']),
  /** `no-index`: searches are exact scans, ef changes nothing; `too-small`: nothing to sample. */
  status: z.enum(['measured', 'no-index', 'too-small']),
  /** One line for people: the recommendation, or why there is none. */
  summary: z.string(),
  points: z.number().int(),
  /** Points actually sampled as queries. */
  samples: z.number().int(),
  k: z.number().int(),
  target: z.number(),
  floor: z.number(),
  /** The ANN index and how it reads ef, from the store. */
  vectorIndex: z.string().optional(),
  /** Rows not in the ANN index yet (scanned exactly, which flatters recall). */
  unindexedRows: z.number().int(),
  /** What exact search costs (the truth's own searches). */
  exact: z.object({ p50Ms: z.number(), p95Ms: z.number(), qps: z.number() }).nullable(),
  /** The variant searches of this collection use; the recommendation is made on its rows. */
  searchVariant: tuneVariantSchema,
  rows: z.array(tuneRowSchema),
  recommendation: tuneRecommendationSchema.nullable(),
  notes: z.array(z.string()),
  /** What was stored on the collection, when `apply` was asked and there was a recommendation. */
  applied: searchTuningSchema.nullable(),
  measuredAt: z.string(),
  durationMs: z.number(),
});

export type TuneReport = z.infer<typeof tuneReportSchema>;
