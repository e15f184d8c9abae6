import { z } from 'zod';

export const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed'] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;

/**
 * A completed job's result. Its fields depend on the queue: an ingest job's chunk counts (below),
 * a re-embed job's ReembedResult, a tune job's TuneReport, a sync job's SyncSummary.
 */
export const jobResultSchema = z
  .object({
    chunksAdded: z.number().int().optional(),
    chunksUpdated: z.number().int().optional(),
    chunksSkipped: z.number().int().optional(),
    chunksDeleted: z.number().int().optional(),
    timings: z.record(z.number()).optional(),
  })
  .passthrough();

export type JobResult = z.infer<typeof jobResultSchema>;

/** `GET /v1/jobs/:id`. */
export const jobViewSchema = z.object({
  id: z.string(),
  queue: z.string(),
  name: z.string(),
  state: jobStateSchema,
  /** 0..100 */
  progress: z.number().min(0).max(100),
  attempts: z.number().int().min(0),
  collection: z.string().optional(),
  documentId: z.string().optional(),
  result: jobResultSchema.nullable().optional(),
  failedReason: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
});

export type JobView = z.infer<typeof jobViewSchema>;

/** A job looked up by id (`GET /v1/jobs?ids=`) that the server does not know. */
export const unknownJobSchema = z.object({ id: z.string(), state: z.literal('unknown') });

/** A document as it is now (beside a removed job's outcome). */
export const documentNowSchema = z.object({
  collection: z.string(),
  id: z.string(),
  state: z.enum(['stored', 'absent', 'collection_missing']),
  chunks: z.number().int().optional(),
  contentHash: z.string().optional(),
  updatedAt: z.string().optional(),
});

/**
 * A finished job that BullMQ has since removed (after its retention), as its compact outcome
 * record tells it: in `GET /v1/jobs?ids=`, and in the `details.job` of a 410 `gone` answer.
 */
export const goneJobSchema = z.object({
  id: z.string(),
  queue: z.string(),
  name: z.string(),
  state: z.enum(['completed', 'failed']),
  gone: z.literal(true),
  progress: z.literal(100),
  attempts: z.number().int().min(0),
  collection: z.string().optional(),
  documentId: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string(),
  failedReason: z.string().optional(),
  superseded: z.boolean().optional(),
  document: documentNowSchema.optional(),
});

/** `GET /v1/jobs`: jobs by id, or a page of one state (admin). */
export const jobListSchema = z.object({
  jobs: z.array(z.union([jobViewSchema, goneJobSchema, unknownJobSchema])),
  /** By id: how many were asked; by state: how many jobs are in that state. */
  total: z.number().int().min(0),
});

export type JobList = z.infer<typeof jobListSchema>;

/** `POST /v1/jobs/retry`. */
export const retriedJobsSchema = z.object({ retried: z.number().int().min(0) });
