import { z } from 'zod';
import { jobRefSchema } from './documents';

// ---------------------------------------------------------------- requests

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

export const SOURCE_TYPES = ['sitemap', 'crawl', 'urls'] as const;

/** Body of `POST /v1/collections/:name/sources`. */
export const createSourceSchema = z
  .object({
    type: z.enum(SOURCE_TYPES, {
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
/** A source as a client sends it. */
export type SourceSettings = z.input<typeof createSourceSchema>;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Query of `DELETE /v1/collections/:name/sources/:id`. */
export const deleteSourceQuerySchema = z
  .object({ documents: z.enum(['keep', 'delete']).default('keep') })
  .strict();

// ---------------------------------------------------------------- responses

const count = z.number().int().min(0);

export const pageProblemSchema = z.object({ url: z.string(), reason: z.string() });
export type PageProblem = z.infer<typeof pageProblemSchema>;

/** A sync's counts and outcome: the source's `lastSync`, and a sync job's result. */
export const syncSummarySchema = z.object({
  state: z.enum(['running', 'completed', 'failed']),
  jobId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  discovered: count,
  fetched: count,
  /** 304, or fetched with the same extracted content: nothing sent to the pipeline. */
  unchanged: count,
  added: count,
  updated: count,
  deleted: count,
  skipped: count,
  failed: count,
  /** Whether discovery saw the whole site: only then are pages missing from it deleted. */
  complete: z.boolean().optional(),
  /** The first failures and skips, with reasons (at most 50 each). */
  failures: z.array(pageProblemSchema),
  skips: z.array(pageProblemSchema),
  /** What the ingest jobs of this sync did, once they have finished. */
  chunks: z.object({ added: count, updated: count, skipped: count, deleted: count }).optional(),
  /** Time spent discovering and fetching, and waiting for the ingest pipeline. */
  timings: z
    .object({ fetchMs: z.number(), ingestWaitMs: z.number(), totalMs: z.number() })
    .optional(),
  error: z.string().optional(),
});

export type SyncSummary = z.infer<typeof syncSummarySchema>;

/** The result of a sync job that did not run (another sync of the source was running, ...). */
export const syncSkippedSchema = z.object({ state: z.literal('skipped'), reason: z.string() });
export type SyncSkipped = z.infer<typeof syncSkippedSchema>;

/** A source as the API shows it: header values hidden (they often carry credentials). */
export const sourceRecordSchema = z.object({
  id: z.string(),
  collection: z.string(),
  createdAt: z.string(),
  type: z.enum(SOURCE_TYPES),
  url: z.string().optional(),
  urls: z.array(z.string()).optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  maxPages: z.number().int().optional(),
  maxDepth: z.number().int().optional(),
  schedule: z.string().optional(),
  headers: z.record(z.string()).optional(),
  lastSync: syncSummarySchema.optional(),
});

export type SourceRecord = z.infer<typeof sourceRecordSchema>;

/** 202 of a sync request. */
export const syncStartedSchema = z.object({
  job: z.object({ id: z.string(), queue: z.literal('sources') }),
  /** True when a sync of this source was already waiting or running: this is that job. */
  alreadyRunning: z.boolean(),
});

export type SyncStarted = z.infer<typeof syncStartedSchema>;

/** 202 of creating a source: the source and its first sync. */
export const sourceCreatedSchema = syncStartedSchema.extend({ source: sourceRecordSchema });
export type SourceCreated = z.infer<typeof sourceCreatedSchema>;

export const sourceListSchema = z.object({ sources: z.array(sourceRecordSchema) });
export type SourceList = z.infer<typeof sourceListSchema>;

/** 202 of removing a source: the delete jobs of its documents (`documents=delete`). */
export const sourceRemovedSchema = z.object({ jobs: z.array(jobRefSchema) });
