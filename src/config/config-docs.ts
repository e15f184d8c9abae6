import { configSchema } from './config.schema';

type Key = keyof typeof configSchema.shape;

interface SettingDoc {
  /** Shown instead of the schema's default (settings without one, or a clearer wording). */
  default?: string;
  meaning: string;
}

/**
 * What each setting means, for the README's configuration table (`npm run docs:config`).
 * Names, order and defaults come from the schema; a setting without an entry here fails
 * src/config/config-docs.spec.ts.
 */
export const SETTING_DOCS: Record<Key, SettingDoc> = {
  PORT: { meaning: 'HTTP port' },
  HOST: { meaning: 'HTTP address; anything but loopback needs `RAGLINE_API_KEYS`' },
  REDIS_URL: { meaning: 'queues, catalog, caches (`rediss://` for TLS)' },
  RAGLINE_REDIS_COMMAND_TIMEOUT_MS: {
    meaning:
      "longest wait for a Redis reply on a request's behalf (catalog, caches, adding and reading jobs) before answering 503",
  },
  RAGLINE_ROLE: {
    meaning:
      '`api` (HTTP only), `worker` (queue consumers, plus health and metrics), `all`; also `--role`',
  },
  RAGLINE_DATA_DIR: { meaning: 'the embedded store and local state' },
  RAGLINE_QUEUE_PREFIX: { meaning: 'prefix of every Redis key' },
  RAGLINE_STORE: { meaning: '`lancedb` (embedded) or `qdrant` (`QDRANT_URL`, `QDRANT_API_KEY`)' },
  QDRANT_URL: { default: 'none', meaning: 'the Qdrant server, e.g. `http://127.0.0.1:6333`' },
  QDRANT_API_KEY: { default: 'none', meaning: "Qdrant's API key, if it has one" },
  RAGLINE_LANCEDB_INDEX_THRESHOLD: {
    meaning:
      "rows from which an embedded collection gets its HNSW-SQ index (exact search below; LanceDB's exact scan costs ~5 µs a row)",
  },
  RAGLINE_EMBEDDER: {
    meaning:
      'default embedder of new collections: `use-lite` (offline) or `openai:<model>` with the `RAGLINE_OPENAI_*` settings',
  },
  RAGLINE_EMBED_POOL_SIZE: { default: 'cores', meaning: 'model worker threads' },
  RAGLINE_EMBED_NICE: {
    meaning:
      "nice increment of the model's worker threads while they embed search queries; above 0, any busy process on the machine can starve search misses",
  },
  RAGLINE_EMBED_BULK_NICE: {
    meaning:
      'nice increment while they embed documents (Linux: per thread, per task), so a large ingest yields the CPU to the event loop and to queries; going back down needs CAP_SYS_NICE or RLIMIT_NICE (docker-compose sets `ulimits: nice: 20`), else the threads stay at `RAGLINE_EMBED_NICE`',
  },
  RAGLINE_EMBED_BATCH_FIXED: {
    default: 'adaptive',
    meaning: 'a fixed document-embedding batch size instead of the adaptive one (for comparisons)',
  },
  RAGLINE_EMBED_CACHE_TTL_SECONDS: {
    meaning: 'lifetime of cached document-chunk embeddings in Redis (0: no cache)',
  },
  RAGLINE_OPENAI_BASE_URL: {
    default: 'none',
    meaning: 'an OpenAI-compatible embeddings API (required with `openai:<model>`)',
  },
  RAGLINE_OPENAI_API_KEY: { default: 'none', meaning: 'its API key' },
  RAGLINE_OPENAI_DIMENSIONS: {
    default: 'none',
    meaning: "the model's vector size (required with `openai:<model>`)",
  },
  RAGLINE_API_KEYS: {
    default: 'empty (open)',
    meaning:
      '`name:scopes:sha256hex`, comma-separated; scopes `ingest`, `search`, `admin` joined by `+`. Open mode is allowed only on a loopback `HOST`.',
  },
  RAGLINE_MAX_BODY_BYTES: { meaning: 'request body limit (413)' },
  RAGLINE_MAX_DOCUMENTS_PER_REQUEST: { meaning: 'documents per ingest request (413)' },
  RAGLINE_MAX_DOCUMENT_BYTES: { meaning: 'content bytes per document (413)' },
  RAGLINE_MAX_METADATA_BYTES: { meaning: 'metadata bytes per document (413)' },
  RAGLINE_CHUNK_MAX_TOKENS: {
    default: "the embedder's input limit",
    meaning: "chunk size in the model's own tokens (never above what the model reads)",
  },
  RAGLINE_CHUNK_OVERLAP_TOKENS: { meaning: 'overlap between consecutive chunks of a section' },
  RAGLINE_INGEST_CONCURRENCY: {
    meaning:
      'ingest jobs per worker process (they mostly wait on the shared batchers, so many in flight fill model batches)',
  },
  RAGLINE_INGEST_HIGH_WATER: {
    meaning: 'waiting ingest jobs before ingest answers 429 with `Retry-After`',
  },
  RAGLINE_BODY_BY_REFERENCE_BYTES: {
    meaning:
      'document bodies larger than this are stored once in Redis and the job holds a reference (0: every body)',
  },
  RAGLINE_JOB_LOCK_MS: { meaning: "how soon a crashed worker's job is retried elsewhere" },
  RAGLINE_STALLED_INTERVAL_MS: { meaning: 'how often workers look for such stalled jobs' },
  RAGLINE_INGEST_ATTEMPTS: { meaning: 'attempts of a job before it goes to the failed list' },
  RAGLINE_INGEST_BACKOFF_MS: {
    meaning: 'first retry delay, doubled each attempt (exponential backoff with jitter)',
  },
  RAGLINE_KEEP_COMPLETED_JOBS: {
    meaning:
      'completed jobs kept at most per queue: a memory cap (an ingest job takes about 1.5 KB of Redis plus its document text when inline); retention is by age',
  },
  RAGLINE_KEEP_COMPLETED_SECONDS: { meaning: 'how long a completed job stays readable in full' },
  RAGLINE_KEEP_FAILED_JOBS: { meaning: 'failed jobs kept (the dead-letter list)' },
  RAGLINE_KEEP_FAILED_SECONDS: { meaning: 'and for how long' },
  RAGLINE_JOB_OUTCOME_SECONDS: {
    meaning:
      "how long a finished job's compact outcome (state, document, collection, error) stays after the job's own retention ends: its id then answers 410 with it, not 404 (about 400 bytes of Redis a job)",
  },
  RAGLINE_JOB_STREAMS_MAX: {
    meaning: 'job event streams (`GET /v1/jobs/events`) open at once per process; more answer 503',
  },
  RAGLINE_JOB_STREAM_HEARTBEAT_MS: {
    meaning: 'a comment line on each open job event stream this often, so proxies keep it open',
  },
  RAGLINE_RATE_LIMIT_SEARCH: {
    meaning:
      'search requests per window per API key (client IP in open mode) and route; 0 turns the limit off',
  },
  RAGLINE_RATE_LIMIT_INGEST: { meaning: 'the same for ingest routes' },
  RAGLINE_RATE_LIMIT_ADMIN: { meaning: 'the same for admin routes' },
  RAGLINE_RATE_LIMIT_WINDOW_SECONDS: {
    meaning: "the rate-limit window (a full window's requests may come at once)",
  },
  RAGLINE_BREAKER_FAILURES: {
    meaning: 'consecutive dependency failures that open a circuit breaker (0: no breakers)',
  },
  RAGLINE_BREAKER_FAILURE_RATE: {
    meaning:
      'also open when this share of the calls in the window failed (at least 10 calls; 0: off)',
  },
  RAGLINE_BREAKER_WINDOW_MS: { meaning: 'the failure-rate window' },
  RAGLINE_BREAKER_COOLDOWN_MS: {
    meaning: 'how long a circuit stays open before it lets trial calls through',
  },
  RAGLINE_BREAKER_TRIAL_CALLS: {
    meaning: 'trial calls let through at once; the first success closes the circuit',
  },
  RAGLINE_SHUTDOWN_TIMEOUT_MS: { meaning: 'how long SIGTERM waits for active jobs' },
  RAGLINE_SEARCH_TIMEOUT_MS: {
    meaning: 'how long a search waits for its result before answering 504',
  },
  RAGLINE_SEARCH_BATCH_MAX: {
    meaning: "most queries in one micro-batch of the search worker's model call",
  },
  RAGLINE_SEARCH_CONCURRENCY: {
    meaning: 'search jobs a worker process takes at once (the optimizer moves it under load)',
  },
  RAGLINE_SEARCH_CACHE_TTL_SECONDS: {
    meaning:
      'lifetime of a cached search result in Redis (L2); a write to the collection ends it sooner',
  },
  RAGLINE_SEARCH_L1_MAX_ENTRIES: {
    meaning:
      'search results kept in process memory (L1; the optimizer shrinks it under memory pressure)',
  },
  RAGLINE_SEARCH_L1_MAX_BYTES: { meaning: 'and their most bytes' },
  RAGLINE_QUERY_VECTOR_CACHE_ENTRIES: {
    meaning:
      'search query vectors kept in process memory (about 2 KB each), so a known query after a write skips the model; query vectors never go to Redis (0: off)',
  },
  RAGLINE_SEARCH_WARM_QUERIES: {
    meaning:
      'hottest searches of a collection re-run after a write, so they do not all miss at once (0: off)',
  },
  RAGLINE_HYBRID_DENSE_WEIGHT: {
    meaning: 'weight of the dense ranking against BM25 (1) in hybrid search of new collections',
  },
  RAGLINE_SEARCH_DEFAULT_EF: {
    meaning: 'HNSW search breadth when neither the request nor `ragline tune` says otherwise',
  },
  RAGLINE_MONITOR_INTERVAL_MS: {
    meaning: 'how often the monitor samples latencies, queues and the process',
  },
  RAGLINE_MONITOR_WINDOW_MS: { meaning: 'the sliding window of its percentiles and rates' },
  RAGLINE_OPTIMIZER: { meaning: 'let the optimizer turn the knobs under load' },
  RAGLINE_OPTIMIZER_COOLDOWN_MS: { meaning: 'least time between two actions of one rule' },
  RAGLINE_SEARCH_P95_TARGET_MS: {
    meaning:
      'search p95 above this is `degraded` (performance summary), acted on by the optimizer, and alerted on (`RaglineSearchLatencyHigh`)',
  },
  RAGLINE_RSS_LIMIT_BYTES: {
    default: '75% of the memory available',
    meaning:
      'resident memory the optimizer defends (it shrinks caches and concurrency past it); `RaglineMemoryNearLimit` alerts at 90%',
  },
  RAGLINE_SEARCH_EF_MIN: { meaning: 'lowest `ef` the optimizer may set under load' },
  RAGLINE_SEARCH_EF_MAX: { meaning: 'highest `ef` it may set back' },
  RAGLINE_OPTIMIZE_UNINDEXED_ROWS: {
    meaning: 'unindexed store rows from which the optimizer runs store maintenance',
  },
  RAGLINE_ADMIN_READ_ONLY: { meaning: 'Bull Board without retry, clean or remove buttons' },
  RAGLINE_ADMIN_POLL_MS: { meaning: 'how often Bull Board and the /admin page poll' },
  RAGLINE_LOG_LEVEL: {
    meaning:
      "`error`, `warn`, `log`, `debug` (adds the full configuration and Nest's routes), `verbose`",
  },
  RAGLINE_DOCS: { meaning: 'serve the OpenAPI document and Swagger UI at `/docs`' },
  RAGLINE_CHECK_RESPONSES: {
    meaning:
      'check every `/v1` JSON answer against its schema in `src/contract` and answer 500 `response_contract_violation` (logged) when it does not match: for tests and development, it costs a parse per answer',
  },
  RAGLINE_QDRANT_SHARDS: {
    default: "Qdrant's",
    meaning:
      "`shard_number` of new Qdrant collections (Qdrant's default: one shard per peer of a distributed Qdrant, 1 standalone)",
  },
  RAGLINE_QDRANT_REPLICATION_FACTOR: {
    meaning: '`replication_factor` of new Qdrant collections: copies of each shard',
  },
  RAGLINE_QDRANT_WRITE_CONSISTENCY: {
    meaning:
      '`write_consistency_factor` of new Qdrant collections: replicas that must apply a write for it to succeed (at most the replication factor)',
  },
  RAGLINE_QDRANT_READ_CONSISTENCY: {
    default: 'one replica',
    meaning:
      '`consistency` of Qdrant searches and scrolls: a number of replicas, `majority`, `quorum` or `all`',
  },
  RAGLINE_FETCH_ALLOW: {
    default: 'empty',
    meaning:
      'hosts (`docs.internal`, `*.corp.example`) and IPs or CIDRs (`10.0.0.0/8`) that sources and `url` documents may fetch although they are loopback, private or link-local; cloud metadata addresses only by address or CIDR',
  },
  RAGLINE_FETCH_USER_AGENT: {
    meaning:
      'user agent of fetches, and the name robots.txt groups and `<meta name="...">` are matched against',
  },
  RAGLINE_FETCH_TIMEOUT_MS: { meaning: 'time (redirects included) and body size per fetch' },
  RAGLINE_FETCH_MAX_BYTES: { meaning: 'time (redirects included) and body size per fetch' },
  RAGLINE_FETCH_HOST_CONCURRENCY: {
    meaning:
      'politeness per host, shared by every worker through Redis: requests at once, least time between two starts (429/503 back off by `Retry-After`)',
  },
  RAGLINE_FETCH_HOST_DELAY_MS: {
    meaning:
      'politeness per host, shared by every worker through Redis: requests at once, least time between two starts (429/503 back off by `Retry-After`)',
  },
  RAGLINE_FETCH_CA_FILE: {
    default: 'none',
    meaning:
      'a PEM file of CA certificates that https fetches trust besides the usual public roots (a private CA, or a self-signed test site); certificates are still checked against the host name',
  },
  RAGLINE_SOURCES_MAX_PAGES: {
    meaning: "pages per sync at most (a source's `maxPages` may only lower it)",
  },
  RAGLINE_SOURCES_CONCURRENCY: { meaning: 'syncs (and `url` documents) per worker process' },
  RAGLINE_PARSE_TIMEOUT_MS: {
    meaning:
      'longest one HTML or Markdown document may take to parse (in a worker thread, off the event loop); past it the job fails with that reason',
  },
  RAGLINE_MAX_CHUNKS_PER_DOCUMENT: {
    meaning:
      "chunks one document may give; a document that gives more fails its job with the reason, before anything is written (a 2 MiB English document gives about 10,000 chunks of use-lite's 128 tokens; raise it with a smaller `RAGLINE_CHUNK_MAX_TOKENS`)",
  },
  RAGLINE_SERVING: {
    meaning:
      'serve searches of the embedded store from in-memory indexes in each worker process (loaded from LanceDB, kept current through the change feed); `false`: LanceDB answers every search',
  },
  RAGLINE_SERVING_MAX_CHUNKS: {
    meaning:
      'chunks one worker process holds in memory for serving, all collections together (~5 KB a chunk beside its text); a collection that does not fit is searched in LanceDB',
  },
  RAGLINE_HYBRID_CANDIDATES: {
    meaning:
      'candidates each side contributes to a hybrid ranking at most: BM25 documents; dense chunks up to the search ef or twice the documents asked',
  },
  RAGLINE_BM25_K1: { meaning: 'BM25 term-frequency saturation of the in-memory index' },
  RAGLINE_BM25_B: {
    meaning: 'BM25 length normalisation of the in-memory index (documents are scored whole)',
  },
};

const KiB = 1024;
const DAY = 24 * 3600;

/** A default as a reader wants it: sizes in KiB/MiB/GiB, long durations in days. */
function formatDefault(key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (key.endsWith('_BYTES') && value >= KiB && value % KiB === 0) {
      const units = ['KiB', 'MiB', 'GiB'];
      let v = value / KiB;
      let unit = 0;
      while (v >= KiB && v % KiB === 0 && unit < units.length - 1) {
        v /= KiB;
        unit++;
      }
      return `${v} ${units[unit]}`;
    }
    if (key.endsWith('_SECONDS') && value >= DAY && value % DAY === 0) {
      return value === DAY ? '1 day' : `${value / DAY} days`;
    }
    return String(value);
  }
  if (typeof value === 'boolean') return `\`${value}\``;
  if (value === '') return 'empty';
  return `\`${String(value)}\``;
}

/** Every setting with its default (from the schema) and meaning, in the schema's order. */
export function configRows(): { key: string; default: string; meaning: string }[] {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  return Object.keys(configSchema.shape).map((key) => {
    const doc = (SETTING_DOCS as Record<string, SettingDoc | undefined>)[key];
    if (!doc) throw new Error(`${key} has no entry in SETTING_DOCS (src/config/config-docs.ts)`);
    const value = defaults[key];
    return {
      key,
      default: doc.default ?? (value === undefined ? 'none' : formatDefault(key, value)),
      meaning: doc.meaning,
    };
  });
}

export const CONFIG_TABLE_START =
  '<!-- config-table:start (npm run docs:config writes this table) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

/** The table as Markdown (unpadded; the script and the test format it with Prettier). */
export function configTableMarkdown(): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| variable | default | meaning |', '| --- | --- | --- |'];
  for (const row of configRows()) {
    lines.push(`| \`${row.key}\` | ${escape(row.default)} | ${escape(row.meaning)} |`);
  }
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by `table`. */
export function withConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md lacks the markers ${CONFIG_TABLE_START} ... ${CONFIG_TABLE_END}`);
  }
  return `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n\n${table.trim()}\n\n${readme.slice(end)}`;
}
