import { z } from 'zod';

/** `GET /v1/health`: the process answers. */
export const livenessSchema = z.object({
  status: z.literal('ok'),
  role: z.enum(['api', 'worker', 'all']),
  uptimeSeconds: z.number().int().min(0),
});

/** One check of the readiness answer: `up` or `down`, with what it knows (kind, circuits...). */
const checkSchema = z.object({ status: z.enum(['up', 'down']) }).passthrough();

/** `GET /v1/health/ready` (200; a 503 answers the error envelope with every check in details). */
export const readinessSchema = z.object({
  status: z.enum(['ok', 'error', 'shutting_down']),
  info: z.record(checkSchema).optional(),
  error: z.record(checkSchema).optional(),
  details: z.record(checkSchema),
});

export type Liveness = z.infer<typeof livenessSchema>;
export type Readiness = z.infer<typeof readinessSchema>;
export type HealthResponse = Liveness | Readiness;

const percentilesSchema = z.object({
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  /** Values in the window; percentiles of an empty window read 0. */
  count: z.number().int().min(0),
});

/** One optimizer action as shown on /v1/health/performance and the admin page. */
export const actionRecordSchema = z.object({
  /** ISO 8601 time the action was applied in this process. */
  at: z.string(),
  rule: z.string(),
  /** What changed here, e.g. `searchConcurrency 2 -> 3`. */
  change: z.string(),
  reason: z.string(),
  /** `local`: decided by this process; `fleet`: decided by `origin` and applied here. */
  source: z.enum(['local', 'fleet']),
  origin: z.string(),
});

export type ActionRecord = z.infer<typeof actionRecordSchema>;

/** `GET /v1/health/performance`. */
export const performanceReportSchema = z.object({
  status: z.enum(['healthy', 'degraded']),
  /** Why the status is degraded (empty when healthy). */
  reasons: z.array(z.string()),
  /** ISO time of the sample the report is built from. */
  sampledAt: z.string(),
  /** seconds: the sliding window of latencies, rates and hit rates; samples: monitor samples in it. */
  window: z.object({ seconds: z.number(), samples: z.number().int() }),
  latency: z.object({ search: percentilesSchema, http: percentilesSchema }),
  throughput: z.object({
    requestsPerSec: z.number(),
    searchesPerSec: z.number(),
    ingestJobsPerSec: z.number(),
  }),
  /** Shares of all searches in the window answered by each tier; hitRate = l1HitRate + l2HitRate. */
  cache: z.object({ l1HitRate: z.number(), l2HitRate: z.number(), hitRate: z.number() }),
  queues: z.record(
    z.object({
      waiting: z.number().int(),
      active: z.number().int(),
      failed: z.number().int(),
      delayed: z.number().int(),
    }),
  ),
  batching: z.record(
    z.object({
      target: z.number(),
      avgBatchSize: z.number(),
      p95Ms: z.number(),
      itemsPerSec: z.number(),
    }),
  ),
  /** Most recent first. */
  actions: z.array(actionRecordSchema),
  process: z.object({
    eventLoopP99Ms: z.number(),
    rssBytes: z.number(),
    heapUsedBytes: z.number(),
    cpuPercent: z.number(),
  }),
  tunables: z.record(z.number()),
  /** The monitor's raw samples, oldest first (`?history=`; fields: src/monitor/monitor.types.ts). */
  history: z
    .array(z.object({ at: z.number(), windowMs: z.number(), tunables: z.record(z.number()) }))
    .optional(),
});

export type PerformanceReport = z.infer<typeof performanceReportSchema>;
