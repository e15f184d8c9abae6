import { Logger } from '@nestjs/common';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { DEFAULT_BM25_PARAMS, type Bm25Params } from './bm25/bm25-weighting';
import type { Filter } from './filter.types';
import { BM25_VECTOR, documentSparseVector } from './qdrant/bm25-sparse';
import {
  MAX_METADATA_INDEXES,
  metadataIndexCount,
  metadataIndexesFor,
} from './qdrant/metadata-indexes';
import {
  BASE_PAYLOAD_INDEXES,
  collectionFacts,
  createCollectionBody,
  DEFAULT_INDEXING_THRESHOLD,
  DENSE_VECTOR,
  describeVectorIndex,
  specConflicts,
  type CollectionFacts,
} from './qdrant/collection-config';
import type { QdrantDistribution } from '../config/qdrant-distribution';
import { readConsistencyParam } from './qdrant/distribution';
import { toQdrantFilter, type PayloadIndexType, type QdrantFilter } from './qdrant/qdrant-filter';
import {
  CHUNK_REF_PAYLOAD_FIELDS,
  toChunkRef,
  toPayload,
  toSampledPoint,
  toStoredChunk,
} from './qdrant/qdrant-payload';
import {
  DEFAULT_RETRY_POLICY,
  httpStatusOf,
  withRetry,
  type RetryPolicy,
} from './qdrant/qdrant-retry';
import {
  assembleResults,
  planSearches,
  SearchRequestError,
  type HybridWeights,
} from './qdrant/search-plan';
import {
  DEFAULT_UPSERT_BATCH_BYTES,
  estimatePointBytes,
  splitBySize,
} from './qdrant/upsert-batches';
import type {
  CollectionSpec,
  QuantizedSearchMode,
  SampledPoint,
  SearchHit,
  SearchRequest,
  StoreCollectionInfo,
  StoredChunk,
  StoredChunkRef,
  StoredPoint,
  VectorStore,
} from './vector-store.port';

export interface QdrantStoreOptions {
  /**
   * Base URL of the REST API, e.g. http://127.0.0.1:6333. A path prefix is kept; a URL without
   * a port means port 6333, as in Qdrant's own clients.
   */
  url: string;
  apiKey?: string;
  /** Per-request time budget (default 30 s). */
  timeoutMs?: number;
  /** Upper bound of one upsert request's estimated JSON size (default 8 MB). */
  upsertBatchBytes?: number;
  /** hnsw_ef for searches that name none (default: Qdrant's, i.e. ef_construct). */
  defaultEf?: number;
  /** int8 candidates per result rescored with the originals (default 2). */
  oversampling?: number;
  /** Hybrid RRF weights for requests that name none (default equal). */
  hybridWeights?: HybridWeights;
  /** A ready client (tests, custom transport); url/apiKey/timeoutMs are then unused. */
  client?: QdrantClient;
  /** Retries of transient failures (default 4, backoff 200 ms doubling to 5 s). */
  retry?: Partial<RetryPolicy>;
  /** BM25 saturation and length normalisation of stored chunks (default k1 0.9, b 0.4). */
  bm25?: Partial<Bm25Params>;
  /** Hybrid candidates per branch = limit × factor (default 1: fuse the two top-limit lists). */
  hybridPrefetchFactor?: number;
  /** Shards, replicas and write consistency of new collections; replicas a read asks. */
  distribution?: QdrantDistribution;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_OVERSAMPLING = 2;
const DELETE_IDS_PER_REQUEST = 1000;
const SCROLL_PAGE = 1000;
const MAX_SAMPLE = 100_000;

/**
 * VectorStore on a Qdrant server (REST, @qdrant/js-client-rest). One collection per ragline
 * collection; point ids are the given UUIDs; the payload holds the chunk (documentId,
 * chunkIndex, text, contentHash, headingPath, start, end, metadata). See the module comments
 * in ./qdrant/ for the request shapes.
 */
export class QdrantStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  /** Search params `quantization.rescore` / `ignore` choose per query (originals kept on disk). */
  readonly quantizedSearchModes: readonly QuantizedSearchMode[] = ['rescore', 'raw', 'ignore'];
  private readonly client: QdrantClient;
  private readonly logger = new Logger('QdrantStore');
  private readonly retry: RetryPolicy;
  private readonly bm25: Bm25Params;
  private readonly upsertBatchBytes: number;
  private readonly distribution: QdrantDistribution;
  private readonly planOptions: Parameters<typeof planSearches>[1];
  /** Per-collection facts (hybrid?, indexed payload fields), read once per process. */
  private readonly facts = new Map<string, Promise<CollectionFacts>>();
  /** indexing_threshold found when bulk-load mode was switched on, restored when it ends. */
  private readonly savedIndexingThreshold = new Map<string, number>();
  /** On-demand payload index creations in flight, by collection + field. */
  private readonly indexBuilds = new Map<string, Promise<void>>();

  constructor(options: QdrantStoreOptions) {
    this.client = options.client ?? createClient(options);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.bm25 = { ...DEFAULT_BM25_PARAMS, ...options.bm25 };
    this.upsertBatchBytes = options.upsertBatchBytes ?? DEFAULT_UPSERT_BATCH_BYTES;
    this.distribution = options.distribution ?? {};
    this.planOptions = {
      defaultEf: options.defaultEf,
      oversampling: options.oversampling ?? DEFAULT_OVERSAMPLING,
      hybridWeights: options.hybridWeights ?? { dense: 1, bm25: 1 },
      prefetchFactor: options.hybridPrefetchFactor ?? 1,
    };
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    if (!(await this.collectionExists(spec.name))) {
      try {
        await this.call('create collection', () =>
          this.client.createCollection(spec.name, createCollectionBody(spec, this.distribution)),
        );
      } catch (error) {
        // Another process may have created it first: fine if it now exists.
        if (!(await this.collectionExists(spec.name))) throw error;
      }
      for (const [field, type] of BASE_PAYLOAD_INDEXES) {
        await this.createPayloadIndex(spec.name, field, type);
      }
    }
    // Fresh facts: the collection may have been recreated elsewhere since they were cached.
    this.facts.delete(spec.name);
    const conflicts = specConflicts(await this.collectionFacts(spec.name), spec);
    if (conflicts.length > 0) {
      throw new Error(
        `Qdrant collection '${spec.name}' exists with other settings: ${conflicts.join(', ')}`,
      );
    }
  }

  async dropCollection(name: string): Promise<void> {
    this.facts.delete(name);
    this.savedIndexingThreshold.delete(name);
    try {
      await this.call('delete collection', () => this.client.deleteCollection(name));
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw error;
    }
  }

  async collectionExists(name: string): Promise<boolean> {
    const result = await this.call('collection exists', () => this.client.collectionExists(name));
    return result.exists;
  }

  async upsert(collection: string, points: StoredPoint[]): Promise<void> {
    if (points.length === 0) return;
    const { hybrid } = await this.collectionFacts(collection);
    await this.ensureMetadataIndexes(collection, points);
    const qdrantPoints = points.map((point) => this.toQdrantPoint(point, hybrid));
    for (const batch of splitBySize(qdrantPoints, estimatePointBytes, this.upsertBatchBytes)) {
      await this.write('upsert', () =>
        this.client.upsert(collection, { wait: true, points: batch }),
      );
    }
  }

  async deleteByIds(collection: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += DELETE_IDS_PER_REQUEST) {
      const points = ids.slice(i, i + DELETE_IDS_PER_REQUEST);
      await this.write('delete points', () =>
        this.client.delete(collection, { wait: true, points }),
      );
    }
  }

  async deleteByFilter(collection: string, filter: Filter): Promise<void> {
    const qdrantFilter = toQdrantFilter(filter);
    await this.write('delete points by filter', () =>
      this.client.delete(collection, { wait: true, filter: qdrantFilter }),
    );
  }

  async listDocumentChunks(collection: string, documentId: string): Promise<StoredChunkRef[]> {
    const records = await this.scrollDocument(collection, documentId, CHUNK_REF_PAYLOAD_FIELDS);
    return records.map(toChunkRef).sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  async listDocumentPoints(collection: string, documentId: string): Promise<StoredChunk[]> {
    const records = await this.scrollDocument(collection, documentId, true);
    return records.map(toStoredChunk).sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  /** Every point of one document (payload as asked, no vectors), page by page through scroll. */
  private async scrollDocument(
    collection: string,
    documentId: string,
    withPayload: string[] | true,
  ): Promise<Schemas['Record'][]> {
    const filter: QdrantFilter = { must: [{ key: 'documentId', match: { value: documentId } }] };
    const records: Schemas['Record'][] = [];
    let offset: Schemas['ExtendedPointId'] | null = null;
    do {
      const page = await this.call('scroll', () =>
        this.client.scroll(collection, {
          ...readConsistencyParam(this.distribution),
          filter,
          limit: SCROLL_PAGE,
          with_payload: withPayload,
          with_vector: false,
          ...(offset !== null ? { offset } : {}),
        }),
      );
      records.push(...page.points);
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : null;
    } while (offset !== null);
    return records;
  }

  async search(collection: string, requests: SearchRequest[]): Promise<SearchHit[][]> {
    if (requests.length === 0) return [];
    const plan = planSearches(requests, this.planOptions);
    if (plan.queries.length === 0) return assembleResults(plan, []);
    const responses = await this.call('query batch', () =>
      this.client.queryBatch(collection, {
        ...readConsistencyParam(this.distribution),
        searches: plan.queries,
      }),
    );
    return assembleResults(plan, responses);
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const qdrantFilter = filter ? toQdrantFilter(filter) : undefined;
    const result = await this.call('count', () =>
      this.client.count(collection, {
        exact: true,
        ...(qdrantFilter ? { filter: qdrantFilter } : {}),
      }),
    );
    return result.count;
  }

  /** One Query API request with `sample: 'random'`, asking for the dense vector only. */
  async sampleVectors(collection: string, count: number): Promise<SampledPoint[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_SAMPLE) {
      throw new SearchRequestError(`sample count must be an integer in 1..${MAX_SAMPLE}`);
    }
    const result = await this.call('sample points', () =>
      this.client.query(collection, {
        query: { sample: 'random' },
        limit: count,
        with_payload: false,
        with_vector: [DENSE_VECTOR],
      }),
    );
    return result.points.map(toSampledPoint);
  }

  /**
   * points from points_count; unindexedRows estimated as points − indexed_vectors_count (Qdrant
   * only builds HNSW for segments over indexing_threshold, so small collections report all rows
   * unindexed: they are searched by a fast full scan and optimize() will not change that).
   */
  async info(collection: string): Promise<StoreCollectionInfo | null> {
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.call('get collection', () => this.client.getCollection(collection));
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
    const points = info.points_count ?? 0;
    const indexedVectors = info.indexed_vectors_count ?? 0;
    const base = {
      name: collection,
      points,
      unindexedRows: Math.max(0, points - indexedVectors),
      indexed: indexedVectors > 0,
    };
    if (!base.indexed) return base;
    return { ...base, vectorIndex: describeVectorIndex(info, this.planOptions.oversampling) };
  }

  /**
   * Qdrant indexes, merges and vacuums segments by itself in the background; an update of the
   * optimizer config (even an empty one) wakes optimizers that are idle (collection status
   * grey), which is all there is to ask for. Cheap: one PATCH.
   */
  async optimize(collection: string): Promise<void> {
    await this.call('update collection', () =>
      this.client.updateCollection(collection, { optimizers_config: {} }),
    );
  }

  /**
   * On: indexing_threshold 0 (no HNSW building while a large backlog loads; searches scan).
   * Off: the threshold found when it was switched on (or 20000 if it was already 0, e.g. set
   * by another process or before a restart), which also sets the optimizers to work.
   */
  async setBulkLoad(collection: string, on: boolean): Promise<void> {
    const current = await this.readIndexingThreshold(collection);
    if (on) {
      if (current === 0) return;
      this.savedIndexingThreshold.set(collection, current ?? DEFAULT_INDEXING_THRESHOLD);
      await this.setIndexingThreshold(collection, 0);
      return;
    }
    const restore = this.savedIndexingThreshold.get(collection) ?? DEFAULT_INDEXING_THRESHOLD;
    this.savedIndexingThreshold.delete(collection);
    if (current !== 0) return;
    await this.setIndexingThreshold(collection, restore);
    await this.optimize(collection);
  }

  /** GET /readyz: 200 once the server has loaded its shards. No retries: a probe must be quick. */
  async ping(): Promise<void> {
    await withRetry('ping', () => this.client.api().readyz({}), { ...this.retry, retries: 0 });
  }

  /** The REST client holds no resources that need closing (keep-alive sockets time out). */
  async close(): Promise<void> {}

  private toQdrantPoint(point: StoredPoint, hybrid: boolean): Schemas['PointStruct'] {
    const vector: Record<string, number[] | Schemas['SparseVector']> = {
      [DENSE_VECTOR]: Array.from(point.vector),
    };
    if (hybrid) {
      // A chunk without searchable terms gets no sparse vector (named vectors are optional).
      const sparse = documentSparseVector(point.text, this.bm25);
      if (sparse.indices.length > 0) vector[BM25_VECTOR] = sparse;
    }
    return { id: point.id, vector, payload: toPayload(point) };
  }

  private collectionFacts(collection: string): Promise<CollectionFacts> {
    let facts = this.facts.get(collection);
    if (!facts) {
      facts = this.call('get collection', () => this.client.getCollection(collection)).then(
        collectionFacts,
      );
      this.facts.set(collection, facts);
      facts.catch(() => this.facts.delete(collection));
    }
    return facts;
  }

  /**
   * Payload-index policy: indexes come from what is stored, never from a search. The first
   * upsert that carries a new top-level `metadata.*` key creates its index (type from the value,
   * see metadataIndexesFor), up to MAX_METADATA_INDEXES per collection; filters on other keys
   * still run (Qdrant filters unindexed fields by reading payloads). Concurrent upserts naming
   * the same key wait for the same creation; a failed creation is logged and tried again by the
   * next upsert naming the key.
   */
  private async ensureMetadataIndexes(collection: string, points: StoredPoint[]): Promise<void> {
    const { indexedFields } = await this.collectionFacts(collection);
    const room = MAX_METADATA_INDEXES - metadataIndexCount(indexedFields);
    if (room <= 0) return;
    const wanted = metadataIndexesFor(points, indexedFields, room);
    const builds: Promise<void>[] = [];
    for (const [field, type] of wanted) {
      const key = `${collection}\u0000${field}`;
      let build = this.indexBuilds.get(key);
      if (!build) {
        build = this.createPayloadIndex(collection, field, type)
          .then(() => {
            indexedFields.set(field, type);
          })
          .catch((error: unknown) => {
            this.logger.warn(
              `payload index on ${collection}.${field} not created: ${error instanceof Error ? error.message : String(error)}`,
            );
          })
          .finally(() => this.indexBuilds.delete(key));
        this.indexBuilds.set(key, build);
      }
      builds.push(build);
    }
    await Promise.all(builds);
  }

  private async createPayloadIndex(
    collection: string,
    field: string,
    type: PayloadIndexType,
  ): Promise<void> {
    await this.call('create payload index', () =>
      this.client.createPayloadIndex(collection, {
        field_name: field,
        field_schema: type,
        wait: true,
      }),
    );
  }

  private async readIndexingThreshold(collection: string): Promise<number | null> {
    const info = await this.call('get collection', () => this.client.getCollection(collection));
    return info.config.optimizer_config.indexing_threshold ?? null;
  }

  private async setIndexingThreshold(collection: string, threshold: number): Promise<void> {
    await this.call('update collection', () =>
      this.client.updateCollection(collection, {
        optimizers_config: { indexing_threshold: threshold },
      }),
    );
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return withRetry(operation, run, this.retry);
  }

  /**
   * An upsert or delete of points. On a distributed Qdrant a write that fails (fewer replicas
   * than write_consistency_factor applied it: a 5xx) or times out may have reached some
   * replicas only, and Qdrant leaves it to the client to send it again. These writes are
   * idempotent (deterministic point ids), so a timed-out one is sent again too, unlike a read.
   */
  private write<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return withRetry(operation, run, this.retry, { retryTimeout: true });
  }
}

/**
 * Opens a QdrantStore from plain (JSON) options: the factory other processes use, e.g. the
 * store contract's concurrent writers.
 */
export async function openQdrantStore(options: QdrantStoreOptions): Promise<QdrantStore> {
  return new QdrantStore(options);
}

function createClient(options: QdrantStoreOptions): QdrantClient {
  // The client ignores a path in `url`; pass it as `prefix` so proxied servers work.
  const parsed = new URL(options.url);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return new QdrantClient({
    url: parsed.origin,
    ...(prefix ? { prefix } : {}),
    apiKey: options.apiKey,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // The version probe is an unrequested GET / at construction that logs on failure.
    checkCompatibility: false,
  });
}
