import { access, constants as fsConstants, mkdir } from 'node:fs/promises';
import { connect, Index } from '@lancedb/lancedb';
import type { Connection, IndexConfig, Table } from '@lancedb/lancedb';
import { FilterValidationError, isEmptyFilter, parseFilter } from './filter';
import type { Filter } from './filter.types';
import { fuseReciprocalRank } from './rrf';
import {
  assertCollectionName,
  CollectionConflictError,
  CollectionMeta,
  decodeMeta,
  encodeMeta,
  specDifferences,
  validateSpec,
  validateWeights,
} from './lancedb/collection-meta';
import { withCommitRetry } from './lancedb/commit-retry';
import { filterToSql, idsToSql } from './lancedb/filter-sql';
import { preparePoints } from './lancedb/point-batch';
import {
  bm25Score,
  cosineScore,
  rowToChunkRef,
  rowToHit,
  rowToSample,
  rowToStoredChunk,
  rowToStoredPoint,
} from './lancedb/rows';
import { randomOffsets } from './lancedb/random-offsets';
import { sqlString } from './lancedb/sql-literals';
import {
  CHUNK_COLUMNS,
  collectionSchema,
  COLUMNS,
  HIT_COLUMNS,
  pointsToArrow,
} from './lancedb/table-schema';
import {
  annParams,
  describeVectorIndex,
  vectorIndexConfig,
  vectorIndexKindFor,
  vectorIndexKindOf,
} from './lancedb/vector-index';
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

export { CollectionConflictError } from './lancedb/collection-meta';

export interface LanceDbStoreOptions {
  /** Directory holding one Lance table per collection (created if missing). */
  dataDir: string;
  /** How stale a read may be with respect to other processes' writes. Default 1000 ms. */
  readConsistencyIntervalMs?: number;
  /**
   * Rows below which search is exact (no ANN index is built). Default 1000: LanceDB's flat
   * scan costs about 5 µs of CPU a row (measured: 15 ms a query at 3,000 rows of 512 dims),
   * while an HNSW-SQ index with refine answers in about 5-7 ms from ~1,000 rows up.
   */
  indexThreshold?: number;
  /** BM25 tokenizer: Porter-style stemming (default true) and English stop words (default true). */
  ftsStemming?: boolean;
  ftsStopWords?: boolean;
  ftsLanguage?: string;
  /**
   * int8 collections: re-score limit × refineFactor ANN candidates on the float32 vectors.
   * 0 disables refinement. Default 4.
   */
  refineFactor?: number;
  /** HNSW search breadth when a request gives none. Default 64. */
  defaultEf?: number;
  /** Default RRF weights recorded in collections created by this store. Default 1 / 1. */
  hybridWeights?: { dense: number; bm25: number };
  /** Hybrid search fetches max(limit × this, 30) candidates from each side. Default 3. */
  hybridCandidateFactor?: number;
  /** optimize() deletes table versions older than this. Default 5 minutes. */
  versionRetentionMs?: number;
  /**
   * Longest a search query may run in LanceDB before it is cancelled (its caller gets an
   * error, the process keeps its CPU). Default 10 s.
   */
  queryTimeoutMs?: number;
  /** Where failures of background index builds are reported. Default console.warn. */
  onBackgroundError?: (collection: string, error: unknown) => void;
}

export class CollectionNotFoundError extends Error {
  constructor(readonly collection: string) {
    super(`collection '${collection}' does not exist`);
    this.name = 'CollectionNotFoundError';
  }
}

export class SearchRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchRequestError';
  }
}

interface CollectionState {
  name: string;
  table: Table;
  meta: CollectionMeta;
  /** Known to have a vector index (once true, stays true until the collection is dropped). */
  vectorIndexed: boolean;
  building: Promise<void> | null;
  lastBuildFailureAt: number;
  bulkLoad: boolean;
  /** Rows this process wrote since the indexes last took in new rows (see maybeFoldNewRows). */
  writtenSinceFold: number;
  /** Commits (each a new small fragment) this process made since then. */
  commitsSinceFold: number;
  /** Rows in the table when last counted (for the relative fold threshold). */
  knownRows: number;
}

const MAX_LIMIT = 1000;
const MAX_SAMPLE = 100_000;
const DELETE_CHUNK = 500;
const BUILD_RETRY_AFTER_MS = 60_000;
/** Incremental index updates add segments; past this many, optimize() retrains the index. */
const MAX_VECTOR_INDEX_SEGMENTS = 8;
const FTS_INDEX_TYPE = 'FTS';
/**
 * Rows written after an index was built are scanned without it, and the full-text side then
 * scores them with the index's stale statistics: measured on CISI (3,533 chunks written in
 * small batches after the FTS index was created), BM25 nDCG@10 fell from 0.285 to 0.145. So
 * once this many rows (or a tenth of the table, if more) are unindexed, the indexes take them
 * in, in the background.
 */
const FOLD_AFTER_ROWS = 256;
/**
 * Every write commits a small fragment, and queries pay per fragment: measured on 505 CISI
 * chunks written by 200 jobs, a search took 16 ms of store time before compaction and 5 ms
 * after. So many small commits also trigger the fold (which compacts).
 */
const FOLD_AFTER_COMMITS = 32;

/**
 * The embedded vector store: one LanceDB table per collection in `dataDir`.
 *
 * Search is exact (flat) below `indexThreshold` rows; past it the first upsert starts a
 * background ANN index build (see lancedb/vector-index.ts) and optimize() folds new rows in.
 * Filters are prefilters, translated to SQL by lancedb/filter-sql.ts. BM25 uses LanceDB's
 * full-text index on `text`; hybrid fuses the dense and BM25 lists with weighted RRF (rrf.ts).
 * Several processes may write the same directory: writes are idempotent and retried on
 * commit conflicts, and reads see other processes' commits within readConsistencyIntervalMs.
 */
export class LanceDbStore implements VectorStore {
  readonly kind = 'lancedb' as const;
  /**
   * An int8 collection's only ANN index is IVF_HNSW_SQ, a graph over the int8 vectors: it can
   * be searched with or without float32 re-ranking (refineFactor), never on floats alone.
   */
  readonly quantizedSearchModes: readonly QuantizedSearchMode[] = ['rescore', 'raw'];
  private readonly states = new Map<string, Promise<CollectionState>>();
  private closed = false;

  private constructor(
    private readonly connection: Connection,
    private readonly options: Required<Omit<LanceDbStoreOptions, 'onBackgroundError'>> &
      Pick<LanceDbStoreOptions, 'onBackgroundError'>,
  ) {}

  static async open(options: LanceDbStoreOptions): Promise<LanceDbStore> {
    const resolved = {
      dataDir: options.dataDir,
      readConsistencyIntervalMs: options.readConsistencyIntervalMs ?? 1000,
      indexThreshold: options.indexThreshold ?? 1000,
      ftsStemming: options.ftsStemming ?? true,
      ftsStopWords: options.ftsStopWords ?? true,
      ftsLanguage: options.ftsLanguage ?? 'English',
      refineFactor: options.refineFactor ?? 4,
      defaultEf: options.defaultEf ?? 64,
      hybridWeights: options.hybridWeights ?? { dense: 1, bm25: 1 },
      hybridCandidateFactor: options.hybridCandidateFactor ?? 3,
      versionRetentionMs: options.versionRetentionMs ?? 5 * 60_000,
      queryTimeoutMs: options.queryTimeoutMs ?? 10_000,
      onBackgroundError: options.onBackgroundError,
    };
    validateWeights(resolved.hybridWeights, 'hybridWeights');
    for (const key of [
      'readConsistencyIntervalMs',
      'indexThreshold',
      'refineFactor',
      'queryTimeoutMs',
    ] as const) {
      if (!(resolved[key] >= 0)) throw new RangeError(`${key} must be >= 0`);
    }
    if (!(resolved.defaultEf >= 1)) throw new RangeError('defaultEf must be >= 1');
    await mkdir(resolved.dataDir, { recursive: true });
    const connection = await connect(resolved.dataDir, {
      readConsistencyInterval: resolved.readConsistencyIntervalMs / 1000,
    });
    return new LanceDbStore(connection, resolved);
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    this.assertOpen();
    validateSpec(spec);
    let state = await this.tryState(spec.name);
    if (!state) {
      const meta: CollectionMeta = {
        spec,
        hybridWeights: this.options.hybridWeights,
        layout: 1,
      };
      const schema = collectionSchema(spec.dimensions, encodeMeta(meta));
      try {
        await this.connection.createEmptyTable(spec.name, schema, {
          mode: 'create',
          existOk: true,
        });
      } catch (error) {
        // Another process may have created it between our check and our create.
        if (!(await this.tableExists(spec.name))) throw error;
      }
      this.states.delete(spec.name);
      state = await this.tryState(spec.name);
      if (!state) throw new CollectionNotFoundError(spec.name);
    }
    const differences = specDifferences(state.meta.spec, spec);
    if (differences.length > 0) throw new CollectionConflictError(spec.name, differences);
    if (spec.hybrid) await this.ensureFtsIndex(state);
  }

  async dropCollection(name: string): Promise<void> {
    this.assertOpen();
    assertCollectionName(name);
    const state = await this.states.get(name)?.catch(() => null);
    if (state?.building) await state.building.catch(() => undefined);
    this.states.delete(name);
    state?.table.close();
    if (await this.tableExists(name)) {
      try {
        await this.connection.dropTable(name);
      } catch (error) {
        if (await this.tableExists(name)) throw error;
      }
    }
  }

  async collectionExists(name: string): Promise<boolean> {
    this.assertOpen();
    assertCollectionName(name);
    return this.tableExists(name);
  }

  async upsert(collection: string, points: StoredPoint[]): Promise<void> {
    if (points.length === 0) return;
    const state = await this.state(collection);
    const batch = pointsToArrow(
      preparePoints(points, state.meta.spec.dimensions),
      state.meta.spec.dimensions,
    );
    await withCommitRetry(() =>
      state.table
        .mergeInsert(COLUMNS.id)
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(batch),
    );
    state.writtenSinceFold += points.length;
    state.commitsSinceFold += 1;
    await this.maybeStartIndexBuild(state);
    this.maybeFoldNewRows(state);
  }

  /** Folds recently written rows into the indexes in the background (one job at a time). */
  private maybeFoldNewRows(state: CollectionState): void {
    if (state.building || state.bulkLoad || this.closed) return;
    const manyRows = state.writtenSinceFold >= Math.max(FOLD_AFTER_ROWS, state.knownRows / 10);
    if (!manyRows && state.commitsSinceFold < FOLD_AFTER_COMMITS) return;
    const written = state.writtenSinceFold;
    const commits = state.commitsSinceFold;
    state.building = (async () => {
      if (state.meta.spec.hybrid) await this.ensureFtsIndex(state);
      await this.optimizeTable(state);
      state.knownRows = await state.table.countRows();
      state.writtenSinceFold = Math.max(0, state.writtenSinceFold - written);
      state.commitsSinceFold = Math.max(0, state.commitsSinceFold - commits);
    })()
      .catch((error: unknown) => {
        if (this.options.onBackgroundError) this.options.onBackgroundError(state.name, error);
        else
          console.warn(
            `lancedb: folding new rows into the indexes of '${state.name}' failed:`,
            error,
          );
      })
      .finally(() => {
        state.building = null;
      });
  }

  async deleteByIds(collection: string, ids: string[]): Promise<void> {
    const state = await this.state(collection);
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += DELETE_CHUNK) {
      const predicate = idsToSql(unique.slice(i, i + DELETE_CHUNK));
      await withCommitRetry(() => state.table.delete(predicate));
    }
  }

  async deleteByFilter(collection: string, filter: Filter): Promise<void> {
    const parsed = parseFilter(filter);
    if (isEmptyFilter(parsed)) {
      throw new FilterValidationError('filter', 'deleteByFilter needs at least one condition');
    }
    const state = await this.state(collection);
    const predicate = filterToSql(parsed);
    await withCommitRetry(() => state.table.delete(predicate));
  }

  async listDocumentChunks(collection: string, documentId: string): Promise<StoredChunkRef[]> {
    const state = await this.freshState(collection);
    const rows: unknown[] = await state.table
      .query()
      .where(`${COLUMNS.documentId} = ${sqlString(documentId)}`)
      .select([COLUMNS.id, COLUMNS.chunkIndex, COLUMNS.contentHash])
      .toArray();
    return rows.map(rowToChunkRef).sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  async listDocumentPoints(collection: string, documentId: string): Promise<StoredChunk[]> {
    const state = await this.freshState(collection);
    const rows: unknown[] = await state.table
      .query()
      .where(`${COLUMNS.documentId} = ${sqlString(documentId)}`)
      .select(CHUNK_COLUMNS)
      .toArray();
    return rows.map(rowToStoredChunk).sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  async search(collection: string, requests: SearchRequest[]): Promise<SearchHit[][]> {
    const state = await this.freshState(collection);
    requests.forEach((request, i) => this.validateRequest(state, request, i));
    return Promise.all(requests.map((request) => this.searchOne(state, request)));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const state = await this.freshState(collection);
    const where = filter ? filterToSql(parseFilter(filter)) : undefined;
    return where === undefined || where === 'TRUE'
      ? state.table.countRows()
      : state.table.countRows(where);
  }

  async *scanPoints(collection: string, batchSize: number): AsyncIterable<StoredPoint[]> {
    const state = await this.freshState(collection);
    const columns = [...CHUNK_COLUMNS, COLUMNS.vector];
    let batch: StoredPoint[] = [];
    for await (const records of state.table.query().select(columns)) {
      for (const row of records.toArray() as unknown[]) {
        batch.push(rowToStoredPoint(row));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length) yield batch;
  }

  async getPoints(collection: string, ids: readonly string[]): Promise<StoredPoint[]> {
    const state = await this.freshState(collection);
    const unique = [...new Set(ids)];
    const points: StoredPoint[] = [];
    for (let i = 0; i < unique.length; i += DELETE_CHUNK) {
      const rows: unknown[] = await state.table
        .query()
        .where(idsToSql(unique.slice(i, i + DELETE_CHUNK)))
        .select([...CHUNK_COLUMNS, COLUMNS.vector])
        .toArray();
      points.push(...rows.map(rowToStoredPoint));
    }
    return points;
  }

  /** Random row offsets (distinct), read with one `take`. */
  async sampleVectors(collection: string, count: number): Promise<SampledPoint[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_SAMPLE) {
      throw new SearchRequestError(`sample count must be an integer in 1..${MAX_SAMPLE}`);
    }
    const state = await this.state(collection);
    const rows = await state.table.countRows();
    if (rows === 0) return [];
    const found: unknown[] = await state.table
      .takeOffsets(randomOffsets(rows, Math.min(count, rows)))
      .select([COLUMNS.id, COLUMNS.vector])
      .toArray();
    return found.map(rowToSample);
  }

  async info(collection: string): Promise<StoreCollectionInfo | null> {
    const state = await this.tryState(collection);
    if (!state) return null;
    // As of the latest commit, also other processes' (a tune job reads the size it tunes).
    await state.table.checkoutLatest();
    const [points, indices] = await Promise.all([
      state.table.countRows(),
      state.table.listIndices(),
    ]);
    const vectorIndex = findVectorIndex(indices);
    const ftsIndex = findFtsIndex(indices);
    if (vectorIndex) state.vectorIndexed = true;
    let unindexedRows: number;
    if (vectorIndex) {
      unindexedRows = Math.max(vectorIndex.numUnindexedRows ?? 0, ftsIndex?.numUnindexedRows ?? 0);
    } else if (points >= this.options.indexThreshold && points > 0) {
      unindexedRows = points;
    } else {
      unindexedRows = ftsIndex?.numUnindexedRows ?? 0;
    }
    if (!vectorIndex) return { name: collection, points, unindexedRows, indexed: false };
    return {
      name: collection,
      points,
      unindexedRows,
      indexed: true,
      vectorIndex: describeVectorIndex(state.meta.spec, points, this.options.refineFactor),
    };
  }

  async optimize(collection: string): Promise<void> {
    const state = await this.state(collection);
    if (state.building) await state.building.catch(() => undefined);
    if (state.meta.spec.hybrid) await this.ensureFtsIndex(state);
    const indices = await state.table.listIndices();
    const vectorIndex = findVectorIndex(indices);
    const rows = await state.table.countRows();
    const due = rows >= this.options.indexThreshold && rows > 0;
    if (due && (!vectorIndex || (vectorIndex.numSegments ?? 1) > MAX_VECTOR_INDEX_SEGMENTS)) {
      await this.buildVectorIndex(state);
    } else {
      await this.optimizeTable(state);
    }
  }

  /** Compacts files, folds new rows into every index and prunes old versions. */
  private async optimizeTable(state: CollectionState): Promise<void> {
    const cleanupOlderThan = new Date(Date.now() - this.options.versionRetentionMs);
    await withCommitRetry(() => state.table.optimize({ cleanupOlderThan }));
  }

  async setBulkLoad(collection: string, on: boolean): Promise<void> {
    const state = await this.state(collection);
    state.bulkLoad = on;
    if (!on) await this.maybeStartIndexBuild(state);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await access(this.options.dataDir, fsConstants.W_OK);
    await this.connection.tableNames();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const states = await Promise.all([...this.states.values()].map((s) => s.catch(() => null)));
    for (const state of states) {
      if (state?.building) await state.building.catch(() => undefined);
      state?.table.close();
    }
    this.states.clear();
    this.connection.close();
  }

  /** Waits for background index builds started by upserts (for tests and benchmarks). */
  async waitForIndexing(collection: string): Promise<void> {
    const state = await this.state(collection);
    if (state.building) await state.building;
  }

  // ---- search ------------------------------------------------------------------------------

  private validateRequest(state: CollectionState, request: SearchRequest, i: number): void {
    const where = `requests[${i}]`;
    if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > MAX_LIMIT) {
      throw new SearchRequestError(`${where}.limit must be an integer in 1..${MAX_LIMIT}`);
    }
    if (request.mode !== 'dense' && request.mode !== 'bm25' && request.mode !== 'hybrid') {
      throw new SearchRequestError(`${where}.mode must be dense, bm25 or hybrid`);
    }
    if (request.mode !== 'bm25') {
      const dims = state.meta.spec.dimensions;
      if (!(request.vector instanceof Float32Array) || request.vector.length !== dims) {
        throw new SearchRequestError(`${where}.vector must be a Float32Array of ${dims}`);
      }
    }
    if (request.mode !== 'dense') {
      if (!state.meta.spec.hybrid) {
        throw new SearchRequestError(
          `${where}: collection '${state.name}' has no BM25 index (created with hybrid: false)`,
        );
      }
      if (typeof request.text !== 'string' || request.text.trim() === '') {
        throw new SearchRequestError(`${where}.text is required for ${request.mode} search`);
      }
    }
    if (request.ef !== undefined && !(Number.isInteger(request.ef) && request.ef >= 1)) {
      throw new SearchRequestError(`${where}.ef must be a positive integer`);
    }
    if (request.weights) validateWeights(request.weights, `${where}.weights`);
    const quantization = request.quantization;
    if (
      quantization !== undefined &&
      state.meta.spec.quantization === 'int8' &&
      !this.quantizedSearchModes.includes(quantization)
    ) {
      throw new SearchRequestError(
        `${where}.quantization must be one of ${this.quantizedSearchModes.join(', ')}: ` +
          "an int8 collection's index (IVF_HNSW_SQ) holds no float32 graph to search",
      );
    }
  }

  private async searchOne(state: CollectionState, request: SearchRequest): Promise<SearchHit[]> {
    const parsedFilter = request.filter ? parseFilter(request.filter) : undefined;
    const where =
      parsedFilter && !isEmptyFilter(parsedFilter) ? filterToSql(parsedFilter) : undefined;
    let hits: SearchHit[];
    if (request.mode === 'dense') {
      hits = await this.denseSearch(state, request, request.limit, where);
    } else if (request.mode === 'bm25') {
      hits = await this.bm25Search(state, request.text as string, request.limit, where);
    } else {
      const candidates = Math.max(request.limit * this.options.hybridCandidateFactor, 30);
      const [dense, bm25] = await Promise.all([
        this.denseSearch(state, request, candidates, where),
        this.bm25Search(state, request.text as string, candidates, where),
      ]);
      const weights = request.weights ?? state.meta.hybridWeights;
      hits = fuseReciprocalRank(
        [
          { items: dense, weight: weights.dense },
          { items: bm25, weight: weights.bm25 },
        ],
        (hit) => hit.id,
      )
        .slice(0, request.limit)
        .map(({ item, score }) => ({ ...item, score }));
    }
    const threshold = request.scoreThreshold;
    return threshold === undefined ? hits : hits.filter((hit) => hit.score >= threshold);
  }

  private async denseSearch(
    state: CollectionState,
    request: SearchRequest,
    limit: number,
    where: string | undefined,
  ): Promise<SearchHit[]> {
    let query = state.table
      .query()
      .nearestTo(request.vector as Float32Array)
      .distanceType('cosine')
      .limit(limit)
      .select([...HIT_COLUMNS, '_distance']);
    if (where) query = query.where(where);
    if (request.exact) {
      query = query.bypassVectorIndex();
    } else {
      // Parameters follow the index the spec implies; LanceDB ignores them while none exists.
      const kind = vectorIndexKindFor(state.meta.spec);
      const params = annParams(
        kind,
        limit,
        request.ef ?? this.options.defaultEf,
        request.quantization === 'raw' ? 0 : this.options.refineFactor,
      );
      if (params.ef !== undefined) query = query.ef(params.ef);
      if (params.refineFactor !== undefined) query = query.refineFactor(params.refineFactor);
      if (params.nprobes !== undefined) query = query.nprobes(params.nprobes);
    }
    const rows: unknown[] = await query.toArray({ timeoutMs: this.options.queryTimeoutMs });
    return rows.map((row) => rowToHit(row, cosineScore(row)));
  }

  private async bm25Search(
    state: CollectionState,
    text: string,
    limit: number,
    where: string | undefined,
  ): Promise<SearchHit[]> {
    let query = state.table
      .query()
      .fullTextSearch(text, { columns: COLUMNS.text })
      .limit(limit)
      .select([...HIT_COLUMNS, '_score']);
    if (where) query = query.where(where);
    const rows: unknown[] = await query.toArray({ timeoutMs: this.options.queryTimeoutMs });
    // Ties are broken by id: top-k with different limits may return equal scores in any order.
    return rows
      .map((row) => rowToHit(row, bm25Score(row)))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // ---- indexes -----------------------------------------------------------------------------

  private async ensureFtsIndex(state: CollectionState): Promise<void> {
    if (findFtsIndex(await state.table.listIndices())) return;
    const config = Index.fts({
      stem: this.options.ftsStemming,
      removeStopWords: this.options.ftsStopWords,
      language: this.options.ftsLanguage,
      lowercase: true,
      asciiFolding: true,
      withPosition: false,
    });
    await withCommitRetry(() => state.table.createIndex(COLUMNS.text, { config, replace: true }));
  }

  private async maybeStartIndexBuild(state: CollectionState): Promise<void> {
    if (state.vectorIndexed || state.building || state.bulkLoad || this.closed) return;
    if (Date.now() - state.lastBuildFailureAt < BUILD_RETRY_AFTER_MS) return;
    const rows = await state.table.countRows();
    if (rows < this.options.indexThreshold || rows === 0) return;
    if (findVectorIndex(await state.table.listIndices())) {
      state.vectorIndexed = true;
      return;
    }
    state.building = this.buildVectorIndex(state)
      .catch((error: unknown) => {
        state.lastBuildFailureAt = Date.now();
        if (this.options.onBackgroundError) this.options.onBackgroundError(state.name, error);
        else console.warn(`lancedb: index build for '${state.name}' failed:`, error);
      })
      .finally(() => {
        state.building = null;
      });
  }

  /**
   * Compacts and brings the BM25 index up to date, then (re)trains the vector index on all
   * rows and adds b-tree indexes for id (merge-insert, deletes) and document_id lookups.
   * Compaction goes first so that the new vector index is never rewritten straight away.
   */
  private async buildVectorIndex(state: CollectionState): Promise<void> {
    await this.optimizeTable(state);
    const rows = await state.table.countRows();
    const config = vectorIndexConfig(state.meta.spec, rows);
    await withCommitRetry(() => state.table.createIndex(COLUMNS.vector, { config, replace: true }));
    state.vectorIndexed = true;
    for (const column of [COLUMNS.id, COLUMNS.documentId]) {
      await withCommitRetry(() =>
        state.table.createIndex(column, { config: Index.btree(), replace: true }),
      );
    }
  }

  // ---- collection state --------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('LanceDbStore is closed');
  }

  private async tableExists(name: string): Promise<boolean> {
    const names = await this.connection.tableNames();
    return names.includes(name);
  }

  private async state(name: string): Promise<CollectionState> {
    const state = await this.tryState(name);
    if (!state) throw new CollectionNotFoundError(name);
    return state;
  }

  /**
   * The collection at its latest committed version. Reads that decide something (searches
   * whose results get cached under the collection's new version, an ingest job's diff against
   * the stored chunks) must see every write that has completed, also in other processes;
   * readConsistencyIntervalMs alone would let them lag by up to that interval. Checking for
   * a newer version costs ~0.1 ms when there is none.
   */
  private async freshState(name: string): Promise<CollectionState> {
    const state = await this.state(name);
    await state.table.checkoutLatest();
    return state;
  }

  private async tryState(name: string): Promise<CollectionState | null> {
    this.assertOpen();
    assertCollectionName(name);
    const cached = this.states.get(name);
    if (cached) return cached;
    if (!(await this.tableExists(name))) return null;
    const opening = this.openState(name);
    this.states.set(name, opening);
    try {
      return await opening;
    } catch (error) {
      this.states.delete(name);
      throw error;
    }
  }

  private async openState(name: string): Promise<CollectionState> {
    const table = await this.connection.openTable(name);
    const meta = decodeMeta((await table.schema()).metadata);
    if (!meta)
      throw new Error(`table '${name}' in ${this.options.dataDir} is not a ragline collection`);
    return {
      name,
      table,
      meta,
      vectorIndexed: findVectorIndex(await table.listIndices()) !== undefined,
      building: null,
      lastBuildFailureAt: 0,
      bulkLoad: false,
      writtenSinceFold: 0,
      commitsSinceFold: 0,
      knownRows: await table.countRows(),
    };
  }
}

function findVectorIndex(indices: IndexConfig[]): IndexConfig | undefined {
  return indices.find(
    (index) =>
      index.columns.includes(COLUMNS.vector) && vectorIndexKindOf(index.indexType) !== null,
  );
}

function findFtsIndex(indices: IndexConfig[]): IndexConfig | undefined {
  return indices.find(
    (index) => index.columns.includes(COLUMNS.text) && index.indexType === FTS_INDEX_TYPE,
  );
}

/** Convenience for callers that want a function (e.g. a child process opening the store). */
export function openLanceDbStore(options: LanceDbStoreOptions): Promise<LanceDbStore> {
  return LanceDbStore.open(options);
}
