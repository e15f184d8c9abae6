import { z } from 'zod';
import { fetchAllowProblem } from './fetch-allow';
import { parseRedisUrl, REDIS_URL_FORMAT } from './redis-url';

function isRedisUrl(url: string): boolean {
  try {
    parseRedisUrl(url);
    return true;
  } catch {
    return false;
  }
}

const int = (min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: `expected an integer from ${min} to ${max}` })
    .int(`expected an integer from ${min} to ${max}`)
    .min(min, `expected an integer from ${min} to ${max}`)
    .max(max, `expected an integer from ${min} to ${max}`);

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const apiKeyEntry =
  /^[A-Za-z0-9_.-]+:(ingest|search|admin)(\+(ingest|search|admin))*:[0-9a-f]{64}$/;

/**
 * Every setting ragline reads, from the environment (or the optional JSON file named by
 * RAGLINE_CONFIG; the environment wins). Validated at boot: a bad value stops the start with
 * a message naming the key and what is allowed.
 */
export const configSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.string().refine(isRedisUrl, REDIS_URL_FORMAT).default('redis://127.0.0.1:6379'),
  RAGLINE_REDIS_COMMAND_TIMEOUT_MS: int(100, 600_000).default(3000),
  RAGLINE_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  RAGLINE_DATA_DIR: z.string().min(1).default('./data'),
  RAGLINE_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, _ . or -')
    .default('ragline'),
  RAGLINE_STORE: z.enum(['lancedb', 'qdrant']).default('lancedb'),
  QDRANT_URL: z.string().url('expected an http(s) URL').optional(),
  QDRANT_API_KEY: z.string().optional(),
  RAGLINE_QDRANT_SHARDS: int(1, 1024).optional(),
  RAGLINE_QDRANT_REPLICATION_FACTOR: int(1, 64).optional(),
  RAGLINE_QDRANT_WRITE_CONSISTENCY: int(1, 64).optional(),
  RAGLINE_QDRANT_READ_CONSISTENCY: z
    .string()
    .regex(
      /^(majority|quorum|all|[1-9]\d*)$/,
      "expected a positive integer, 'majority', 'quorum' or 'all'",
    )
    .optional(),
  RAGLINE_LANCEDB_INDEX_THRESHOLD: int(1, 1_000_000_000).default(1000),
  RAGLINE_EMBEDDER: z
    .string()
    .regex(/^(use-lite|openai:[\w./:-]+)$/, "expected 'use-lite' or 'openai:<model>'")
    .default('use-lite'),
  RAGLINE_EMBED_POOL_SIZE: int(1, 64).optional(),
  RAGLINE_EMBED_NICE: int(0, 19).default(0),
  RAGLINE_EMBED_BULK_NICE: int(0, 19).default(10),
  RAGLINE_EMBED_BATCH_FIXED: int(1, 1024).optional(),
  RAGLINE_EMBED_CACHE_TTL_SECONDS: int(0, 365 * 24 * 3600).default(7 * 24 * 3600),
  RAGLINE_OPENAI_BASE_URL: z.string().url('expected an http(s) URL').optional(),
  RAGLINE_OPENAI_API_KEY: z.string().optional(),
  RAGLINE_OPENAI_DIMENSIONS: int(1, 65536).optional(),
  RAGLINE_API_KEYS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v.trim() === '' ||
        v
          .split(',')
          .map((e) => e.trim())
          .every((e) => apiKeyEntry.test(e)),
      'expected comma-separated name:scopes:sha256hex entries (scopes from ingest, search, admin joined by +)',
    ),
  RAGLINE_MAX_BODY_BYTES: int(1024, 512 * 1024 * 1024).default(16 * 1024 * 1024),
  RAGLINE_MAX_DOCUMENTS_PER_REQUEST: int(1, 10000).default(500),
  RAGLINE_MAX_DOCUMENT_BYTES: int(1, 256 * 1024 * 1024).default(2 * 1024 * 1024),
  RAGLINE_MAX_METADATA_BYTES: int(2, 1024 * 1024).default(16 * 1024),
  RAGLINE_CHUNK_MAX_TOKENS: int(16, 8192).optional(),
  RAGLINE_CHUNK_OVERLAP_TOKENS: int(0, 4096).default(16),
  RAGLINE_PARSE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  RAGLINE_MAX_CHUNKS_PER_DOCUMENT: int(1, 10_000_000).default(20_000),
  RAGLINE_INGEST_CONCURRENCY: int(1, 256).default(32),
  RAGLINE_INGEST_HIGH_WATER: int(1, 100_000_000).default(50_000),
  RAGLINE_BODY_BY_REFERENCE_BYTES: int(0, 256 * 1024 * 1024).default(16 * 1024),
  RAGLINE_JOB_LOCK_MS: int(1000, 3_600_000).default(30_000),
  RAGLINE_STALLED_INTERVAL_MS: int(500, 3_600_000).default(30_000),
  RAGLINE_INGEST_ATTEMPTS: int(1, 100).default(5),
  RAGLINE_INGEST_BACKOFF_MS: int(10, 3_600_000).default(1000),
  RAGLINE_KEEP_COMPLETED_JOBS: int(0, 1_000_000).default(50_000),
  RAGLINE_KEEP_COMPLETED_SECONDS: int(0, 30 * 24 * 3600).default(24 * 3600),
  RAGLINE_KEEP_FAILED_JOBS: int(0, 1_000_000).default(10000),
  RAGLINE_KEEP_FAILED_SECONDS: int(0, 365 * 24 * 3600).default(14 * 24 * 3600),
  RAGLINE_JOB_OUTCOME_SECONDS: int(1, 365 * 24 * 3600).default(7 * 24 * 3600),
  RAGLINE_JOB_STREAMS_MAX: int(1, 100_000).default(500),
  RAGLINE_JOB_STREAM_HEARTBEAT_MS: int(100, 300_000).default(15_000),
  RAGLINE_RATE_LIMIT_SEARCH: int(0, 10_000_000).default(1000),
  RAGLINE_RATE_LIMIT_INGEST: int(0, 10_000_000).default(100),
  RAGLINE_RATE_LIMIT_ADMIN: int(0, 10_000_000).default(50),
  RAGLINE_RATE_LIMIT_WINDOW_SECONDS: int(1, 24 * 3600).default(1),
  RAGLINE_BREAKER_FAILURES: int(0, 10_000).default(5),
  RAGLINE_BREAKER_FAILURE_RATE: z.coerce
    .number({ invalid_type_error: 'expected a number from 0 to 1' })
    .min(0, 'expected a number from 0 to 1')
    .max(1, 'expected a number from 0 to 1')
    .default(0.5),
  RAGLINE_BREAKER_WINDOW_MS: int(1000, 3_600_000).default(30_000),
  RAGLINE_BREAKER_COOLDOWN_MS: int(100, 3_600_000).default(10_000),
  RAGLINE_BREAKER_TRIAL_CALLS: int(1, 1000).default(1),
  RAGLINE_SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(30_000),
  RAGLINE_SEARCH_TIMEOUT_MS: int(100, 600_000).default(10_000),
  RAGLINE_SEARCH_BATCH_MAX: int(1, 512).default(64),
  RAGLINE_SEARCH_CONCURRENCY: int(1, 1024).default(64),
  RAGLINE_SEARCH_CACHE_TTL_SECONDS: int(1, 30 * 24 * 3600).default(600),
  RAGLINE_SEARCH_L1_MAX_ENTRIES: int(1, 10_000_000).default(10_000),
  RAGLINE_QUERY_VECTOR_CACHE_ENTRIES: int(0, 10_000_000).default(10_000),
  RAGLINE_SEARCH_L1_MAX_BYTES: int(1024, 16 * 1024 * 1024 * 1024).default(128 * 1024 * 1024),
  RAGLINE_SEARCH_WARM_QUERIES: int(0, 10_000).default(20),
  RAGLINE_HYBRID_DENSE_WEIGHT: z.coerce
    .number({ invalid_type_error: 'expected a number from 0 to 100' })
    .min(0, 'expected a number from 0 to 100')
    .max(100, 'expected a number from 0 to 100')
    .default(0.25),
  RAGLINE_SEARCH_DEFAULT_EF: int(1, 4096).default(64),
  RAGLINE_SERVING: bool.default(true),
  RAGLINE_SERVING_MAX_CHUNKS: int(0, 100_000_000).default(500_000),
  RAGLINE_HYBRID_CANDIDATES: int(10, 1000).default(200),
  RAGLINE_BM25_K1: z.coerce.number().min(0).max(10).default(0.9),
  RAGLINE_BM25_B: z.coerce.number().min(0).max(1).default(0.4),
  RAGLINE_MONITOR_INTERVAL_MS: int(200, 600_000).default(5000),
  RAGLINE_MONITOR_WINDOW_MS: int(1000, 3_600_000).default(60_000),
  RAGLINE_OPTIMIZER: bool.default(true),
  RAGLINE_OPTIMIZER_COOLDOWN_MS: int(0, 3_600_000).default(30_000),
  RAGLINE_SEARCH_P95_TARGET_MS: int(1, 600_000).default(100),
  RAGLINE_RSS_LIMIT_BYTES: int(64 * 1024 * 1024, Number.MAX_SAFE_INTEGER).optional(),
  RAGLINE_SEARCH_EF_MIN: int(1, 4096).default(32),
  RAGLINE_SEARCH_EF_MAX: int(1, 4096).default(256),
  RAGLINE_OPTIMIZE_UNINDEXED_ROWS: int(1, 100_000_000).default(10_000),
  RAGLINE_ADMIN_READ_ONLY: bool.default(false),
  RAGLINE_ADMIN_POLL_MS: int(1000, 900_000).default(5000),
  RAGLINE_FETCH_ALLOW: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      const problem = fetchAllowProblem(v);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    }),
  RAGLINE_FETCH_USER_AGENT: z.string().min(1).max(200).default('ragline/0.1'),
  RAGLINE_FETCH_TIMEOUT_MS: int(100, 600_000).default(15_000),
  RAGLINE_FETCH_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  RAGLINE_FETCH_HOST_CONCURRENCY: int(1, 64).default(2),
  RAGLINE_FETCH_HOST_DELAY_MS: int(0, 600_000).default(250),
  RAGLINE_FETCH_CA_FILE: z.string().min(1).optional(),
  RAGLINE_SOURCES_MAX_PAGES: int(1, 1_000_000).default(10_000),
  RAGLINE_SOURCES_CONCURRENCY: int(1, 64).default(2),
  RAGLINE_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  RAGLINE_DOCS: bool.default(true),
  RAGLINE_CHECK_RESPONSES: bool.default(false),
});

export type RawConfig = z.infer<typeof configSchema>;
