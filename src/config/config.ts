import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ZodError } from 'zod';
import { configSchema, RawConfig } from './config.schema';
import { parseReadConsistency, type QdrantDistribution } from './qdrant-distribution';

export type Role = RawConfig['RAGLINE_ROLE'];

/** Typed, validated configuration. Built once at boot by `loadConfig`. */
export interface AppConfig {
  port: number;
  host: string;
  redisUrl: string;
  /**
   * Longest wait for a Redis reply on request paths (catalog, caches, producers) before the
   * caller answers 503: a Redis that holds the connection open but stopped answering.
   */
  redisCommandTimeoutMs: number;
  role: Role;
  dataDir: string;
  prefix: string;
  store: {
    kind: 'lancedb' | 'qdrant';
    qdrantUrl?: string;
    qdrantApiKey?: string;
    /** Shards, replicas and write consistency of new Qdrant collections; replicas a read asks. */
    qdrantDistribution: QdrantDistribution;
    /** Rows from which an embedded (LanceDB) collection gets an ANN index; below, search is exact. */
    lancedbIndexThreshold: number;
  };
  embedder: {
    defaultId: string;
    poolSize?: number;
    /** Nice increment of the model's worker threads (Linux): how readily they yield the CPU. */
    workerNice: number;
    workerBulkNice: number;
    /** A fixed document-embedding batch size instead of the adaptive one (for comparisons). */
    fixedBatch?: number;
    cacheTtlSeconds: number;
    openai: { baseUrl?: string; apiKey?: string; dimensions?: number };
  };
  apiKeys: string;
  limits: {
    maxBodyBytes: number;
    maxDocumentsPerRequest: number;
    maxDocumentBytes: number;
    maxMetadataBytes: number;
  };
  /** parseTimeoutMs: longest one HTML or Markdown document may take to parse (its job then fails). */
  chunking: {
    maxTokens?: number;
    overlapTokens: number;
    parseTimeoutMs: number;
    /** A document that gives more chunks fails its job before anything is written. */
    maxChunksPerDocument: number;
  };
  ingest: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    highWater: number;
    /** Document bodies larger than this go to Redis once; the job holds a reference. */
    bodyByReferenceBytes: number;
    lockMs: number;
    stalledIntervalMs: number;
    keepCompleted: { count: number; age: number };
    keepFailed: { count: number; age: number };
  };
  jobs: {
    /** How long a job's outcome record outlives the job's own retention (keep*.age). */
    outcomeSeconds: number;
    /** Job event streams (SSE) open at once in one process. */
    maxStreams: number;
    /** A comment line on every open stream this often, so proxies keep it open. */
    heartbeatMs: number;
  };
  search: {
    timeoutMs: number;
    concurrency: number;
    batchMax: number;
    cacheTtlSeconds: number;
    l1MaxEntries: number;
    l1MaxBytes: number;
    /** Query vectors kept in each process (not in Redis); 0: none. */
    queryVectorCacheEntries: number;
    warmQueries: number;
    defaultEf: number;
    /** Default fusion weights of new collections' hybrid search (dense:bm25). */
    hybridWeights: { dense: number; bm25: number };
    /** Candidates per side of a hybrid ranking (BM25 documents, dense chunks). */
    hybridCandidates: number;
    bm25: { k1: number; b: number };
  };
  /**
   * In-memory serving indexes (embedded store): each worker process answers searches from
   * memory, loaded from the store and kept current through the change feed.
   */
  serving: { enabled: boolean; maxChunks: number };
  monitor: {
    intervalMs: number;
    windowMs: number;
    optimizer: boolean;
    cooldownMs: number;
    searchP95TargetMs: number;
    rssLimitBytes?: number;
    efMin: number;
    efMax: number;
    optimizeUnindexedRows: number;
  };
  admin: { readOnly: boolean; pollMs: number };
  /** Requests per window per API key (or client IP) and route; 0 turns a class off. */
  rateLimit: { windowSeconds: number; search: number; ingest: number; admin: number };
  /** Circuit breakers around the store and remote embedders; failures 0 turns them off. */
  breaker: {
    failures: number;
    failureRate: number;
    windowMs: number;
    cooldownMs: number;
    trialCalls: number;
  };
  /** Fetching for sources and `url` documents (see src/sources/fetch). */
  fetch: {
    allow: string[];
    userAgent: string;
    timeoutMs: number;
    maxBytes: number;
    hostConcurrency: number;
    hostDelayMs: number;
    /** A PEM file of certificates trusted for https besides Node's root CAs. */
    caFile?: string;
  };
  sources: { maxPages: number; concurrency: number };
  shutdownTimeoutMs: number;
  logLevel: RawConfig['RAGLINE_LOG_LEVEL'];
  docs: boolean;
  /** Check /v1 answers against their contract schemas (tests and development). */
  checkResponses: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function readConfigFile(path: string): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (err) {
    throw new ConfigError([
      `RAGLINE_CONFIG: cannot read ${path} as JSON (${(err as Error).message})`,
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`RAGLINE_CONFIG: ${path} must hold a JSON object of settings`]);
  }
  const out: Env = {};
  for (const [key, value] of Object.entries(parsed)) out[key] = String(value);
  return out;
}

function describeProblems(error: ZodError, merged: Env): string[] {
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const got = merged[key];
    return `${key}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
  });
}

/** Blank environment values count as unset, as most shells and compose files intend. */
function withoutBlanks(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/**
 * Whether HTTP would listen on loopback only: an IPv4 address in 127.0.0.0/8, ::1, or exactly
 * 'localhost'. Any other name (`127.example.com`) resolves wherever DNS says, so it is not.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const version = isIP(host);
  if (version === 4) return host.split('.')[0] === '127';
  if (version === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host);
  return false;
}

export function loadConfig(env: Env = process.env, overrides: Env = {}): AppConfig {
  const fromFile = env.RAGLINE_CONFIG ? readConfigFile(env.RAGLINE_CONFIG) : {};
  const merged = { ...fromFile, ...withoutBlanks(env), ...withoutBlanks(overrides) };
  const known = Object.keys(configSchema.shape);
  const input = Object.fromEntries(known.map((k) => [k, merged[k]]));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(describeProblems(parsed.error, merged));
  const c = parsed.data;
  const problems: string[] = [];
  if (c.RAGLINE_STORE === 'qdrant' && !c.QDRANT_URL) {
    problems.push("QDRANT_URL: required when RAGLINE_STORE is 'qdrant'");
  }
  if (
    c.RAGLINE_QDRANT_WRITE_CONSISTENCY !== undefined &&
    c.RAGLINE_QDRANT_WRITE_CONSISTENCY > (c.RAGLINE_QDRANT_REPLICATION_FACTOR ?? 1)
  ) {
    problems.push(
      'RAGLINE_QDRANT_WRITE_CONSISTENCY: must not exceed RAGLINE_QDRANT_REPLICATION_FACTOR (default 1): no write could succeed',
    );
  }
  if (c.RAGLINE_EMBEDDER.startsWith('openai:')) {
    if (!c.RAGLINE_OPENAI_BASE_URL)
      problems.push('RAGLINE_OPENAI_BASE_URL: required for an openai embedder');
    if (!c.RAGLINE_OPENAI_DIMENSIONS)
      problems.push('RAGLINE_OPENAI_DIMENSIONS: required for an openai embedder');
  }
  if (
    c.RAGLINE_CHUNK_MAX_TOKENS !== undefined &&
    c.RAGLINE_CHUNK_OVERLAP_TOKENS >= c.RAGLINE_CHUNK_MAX_TOKENS
  ) {
    problems.push('RAGLINE_CHUNK_OVERLAP_TOKENS: must be smaller than RAGLINE_CHUNK_MAX_TOKENS');
  }
  const loopback = isLoopbackHost(c.HOST);
  // A worker serves only health and metrics; the API itself is never open beyond loopback.
  if (!c.RAGLINE_API_KEYS.trim() && !loopback && c.RAGLINE_ROLE !== 'worker') {
    problems.push(
      `RAGLINE_API_KEYS: required when HOST is not loopback (HOST=${c.HOST}); an open API is allowed only on 127.0.0.1`,
    );
  }
  if (c.RAGLINE_SEARCH_EF_MIN > c.RAGLINE_SEARCH_EF_MAX) {
    problems.push('RAGLINE_SEARCH_EF_MIN: must not exceed RAGLINE_SEARCH_EF_MAX');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    port: c.PORT,
    host: c.HOST,
    redisUrl: c.REDIS_URL,
    redisCommandTimeoutMs: c.RAGLINE_REDIS_COMMAND_TIMEOUT_MS,
    role: c.RAGLINE_ROLE,
    dataDir: resolve(c.RAGLINE_DATA_DIR),
    prefix: c.RAGLINE_QUEUE_PREFIX,
    store: {
      kind: c.RAGLINE_STORE,
      qdrantUrl: c.QDRANT_URL,
      qdrantApiKey: c.QDRANT_API_KEY,
      qdrantDistribution: {
        shards: c.RAGLINE_QDRANT_SHARDS,
        replicationFactor: c.RAGLINE_QDRANT_REPLICATION_FACTOR,
        writeConsistencyFactor: c.RAGLINE_QDRANT_WRITE_CONSISTENCY,
        readConsistency:
          c.RAGLINE_QDRANT_READ_CONSISTENCY === undefined
            ? undefined
            : parseReadConsistency(c.RAGLINE_QDRANT_READ_CONSISTENCY),
      },
      lancedbIndexThreshold: c.RAGLINE_LANCEDB_INDEX_THRESHOLD,
    },
    embedder: {
      defaultId: c.RAGLINE_EMBEDDER,
      poolSize: c.RAGLINE_EMBED_POOL_SIZE,
      workerNice: c.RAGLINE_EMBED_NICE,
      workerBulkNice: c.RAGLINE_EMBED_BULK_NICE,
      fixedBatch: c.RAGLINE_EMBED_BATCH_FIXED,
      cacheTtlSeconds: c.RAGLINE_EMBED_CACHE_TTL_SECONDS,
      openai: {
        baseUrl: c.RAGLINE_OPENAI_BASE_URL,
        apiKey: c.RAGLINE_OPENAI_API_KEY,
        dimensions: c.RAGLINE_OPENAI_DIMENSIONS,
      },
    },
    apiKeys: c.RAGLINE_API_KEYS,
    limits: {
      maxBodyBytes: c.RAGLINE_MAX_BODY_BYTES,
      maxDocumentsPerRequest: c.RAGLINE_MAX_DOCUMENTS_PER_REQUEST,
      maxDocumentBytes: c.RAGLINE_MAX_DOCUMENT_BYTES,
      maxMetadataBytes: c.RAGLINE_MAX_METADATA_BYTES,
    },
    chunking: {
      maxTokens: c.RAGLINE_CHUNK_MAX_TOKENS,
      overlapTokens: c.RAGLINE_CHUNK_OVERLAP_TOKENS,
      parseTimeoutMs: c.RAGLINE_PARSE_TIMEOUT_MS,
      maxChunksPerDocument: c.RAGLINE_MAX_CHUNKS_PER_DOCUMENT,
    },
    ingest: {
      concurrency: c.RAGLINE_INGEST_CONCURRENCY,
      attempts: c.RAGLINE_INGEST_ATTEMPTS,
      backoffMs: c.RAGLINE_INGEST_BACKOFF_MS,
      highWater: c.RAGLINE_INGEST_HIGH_WATER,
      bodyByReferenceBytes: c.RAGLINE_BODY_BY_REFERENCE_BYTES,
      lockMs: c.RAGLINE_JOB_LOCK_MS,
      stalledIntervalMs: c.RAGLINE_STALLED_INTERVAL_MS,
      keepCompleted: {
        count: c.RAGLINE_KEEP_COMPLETED_JOBS,
        age: c.RAGLINE_KEEP_COMPLETED_SECONDS,
      },
      keepFailed: { count: c.RAGLINE_KEEP_FAILED_JOBS, age: c.RAGLINE_KEEP_FAILED_SECONDS },
    },
    jobs: {
      outcomeSeconds: c.RAGLINE_JOB_OUTCOME_SECONDS,
      maxStreams: c.RAGLINE_JOB_STREAMS_MAX,
      heartbeatMs: c.RAGLINE_JOB_STREAM_HEARTBEAT_MS,
    },
    search: {
      timeoutMs: c.RAGLINE_SEARCH_TIMEOUT_MS,
      concurrency: c.RAGLINE_SEARCH_CONCURRENCY,
      batchMax: c.RAGLINE_SEARCH_BATCH_MAX,
      cacheTtlSeconds: c.RAGLINE_SEARCH_CACHE_TTL_SECONDS,
      l1MaxEntries: c.RAGLINE_SEARCH_L1_MAX_ENTRIES,
      l1MaxBytes: c.RAGLINE_SEARCH_L1_MAX_BYTES,
      queryVectorCacheEntries: c.RAGLINE_QUERY_VECTOR_CACHE_ENTRIES,
      warmQueries: c.RAGLINE_SEARCH_WARM_QUERIES,
      defaultEf: c.RAGLINE_SEARCH_DEFAULT_EF,
      hybridWeights: { dense: c.RAGLINE_HYBRID_DENSE_WEIGHT, bm25: 1 },
      hybridCandidates: c.RAGLINE_HYBRID_CANDIDATES,
      bm25: { k1: c.RAGLINE_BM25_K1, b: c.RAGLINE_BM25_B },
    },
    serving: { enabled: c.RAGLINE_SERVING, maxChunks: c.RAGLINE_SERVING_MAX_CHUNKS },
    monitor: {
      intervalMs: c.RAGLINE_MONITOR_INTERVAL_MS,
      windowMs: c.RAGLINE_MONITOR_WINDOW_MS,
      optimizer: c.RAGLINE_OPTIMIZER,
      cooldownMs: c.RAGLINE_OPTIMIZER_COOLDOWN_MS,
      searchP95TargetMs: c.RAGLINE_SEARCH_P95_TARGET_MS,
      rssLimitBytes: c.RAGLINE_RSS_LIMIT_BYTES,
      efMin: c.RAGLINE_SEARCH_EF_MIN,
      efMax: c.RAGLINE_SEARCH_EF_MAX,
      optimizeUnindexedRows: c.RAGLINE_OPTIMIZE_UNINDEXED_ROWS,
    },
    admin: { readOnly: c.RAGLINE_ADMIN_READ_ONLY, pollMs: c.RAGLINE_ADMIN_POLL_MS },
    rateLimit: {
      windowSeconds: c.RAGLINE_RATE_LIMIT_WINDOW_SECONDS,
      search: c.RAGLINE_RATE_LIMIT_SEARCH,
      ingest: c.RAGLINE_RATE_LIMIT_INGEST,
      admin: c.RAGLINE_RATE_LIMIT_ADMIN,
    },
    breaker: {
      failures: c.RAGLINE_BREAKER_FAILURES,
      failureRate: c.RAGLINE_BREAKER_FAILURE_RATE,
      windowMs: c.RAGLINE_BREAKER_WINDOW_MS,
      cooldownMs: c.RAGLINE_BREAKER_COOLDOWN_MS,
      trialCalls: c.RAGLINE_BREAKER_TRIAL_CALLS,
    },
    fetch: {
      allow: c.RAGLINE_FETCH_ALLOW.split(',')
        .map((e) => e.trim())
        .filter(Boolean),
      userAgent: c.RAGLINE_FETCH_USER_AGENT,
      timeoutMs: c.RAGLINE_FETCH_TIMEOUT_MS,
      maxBytes: c.RAGLINE_FETCH_MAX_BYTES,
      hostConcurrency: c.RAGLINE_FETCH_HOST_CONCURRENCY,
      hostDelayMs: c.RAGLINE_FETCH_HOST_DELAY_MS,
      ...(c.RAGLINE_FETCH_CA_FILE ? { caFile: c.RAGLINE_FETCH_CA_FILE } : {}),
    },
    sources: { maxPages: c.RAGLINE_SOURCES_MAX_PAGES, concurrency: c.RAGLINE_SOURCES_CONCURRENCY },
    shutdownTimeoutMs: c.RAGLINE_SHUTDOWN_TIMEOUT_MS,
    logLevel: c.RAGLINE_LOG_LEVEL,
    docs: c.RAGLINE_DOCS,
    checkResponses: c.RAGLINE_CHECK_RESPONSES,
  };
}

/** The effective configuration for the start-up log, with secrets and credentials hidden. */
export function redactedConfig(config: AppConfig): Record<string, unknown> {
  const hide = (v?: string) => (v ? '***' : undefined);
  const redisUrl = config.redisUrl.replace(/\/\/([^@/]*)@/, '//***@');
  return {
    ...config,
    redisUrl,
    apiKeys: config.apiKeys
      ? `${config.apiKeys.split(',').length} key(s) configured`
      : 'none (open)',
    store: { ...config.store, qdrantApiKey: hide(config.store.qdrantApiKey) },
    embedder: {
      ...config.embedder,
      openai: { ...config.embedder.openai, apiKey: hide(config.embedder.openai.apiKey) },
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
