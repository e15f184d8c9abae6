import type { CircuitBreaker } from '../resilience/circuit-breaker';
import type { Filter } from './filter.types';
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

/**
 * The VectorStore port with circuit breakers in front: one for reads (search, count, listing)
 * and one for writes, so a store that can still be read but not written (a full disk, a
 * read-only volume) keeps serving searches while ingest waits. `ping` and `close` pass
 * straight through: readiness probes must not open or close a circuit.
 */
export class BreakerStore implements VectorStore {
  readonly scanPoints?: VectorStore['scanPoints'];
  readonly getPoints?: VectorStore['getPoints'];

  constructor(
    private readonly inner: VectorStore,
    private readonly reads: CircuitBreaker,
    private readonly writes: CircuitBreaker,
  ) {
    const { scanPoints, getPoints } = inner;
    // A scan is one long read that streams: it fails on its own without tripping the circuit.
    if (scanPoints) this.scanPoints = (c, size) => scanPoints.call(inner, c, size);
    if (getPoints) {
      this.getPoints = (c, ids) => this.reads.execute(() => getPoints.call(inner, c, ids));
    }
  }

  get kind(): VectorStore['kind'] {
    return this.inner.kind;
  }

  get quantizedSearchModes(): readonly QuantizedSearchMode[] {
    return this.inner.quantizedSearchModes;
  }

  ensureCollection(spec: CollectionSpec): Promise<void> {
    return this.writes.execute(() => this.inner.ensureCollection(spec));
  }

  dropCollection(name: string): Promise<void> {
    return this.writes.execute(() => this.inner.dropCollection(name));
  }

  collectionExists(name: string): Promise<boolean> {
    return this.reads.execute(() => this.inner.collectionExists(name));
  }

  upsert(collection: string, points: StoredPoint[]): Promise<void> {
    return this.writes.execute(() => this.inner.upsert(collection, points));
  }

  deleteByIds(collection: string, ids: string[]): Promise<void> {
    return this.writes.execute(() => this.inner.deleteByIds(collection, ids));
  }

  deleteByFilter(collection: string, filter: Filter): Promise<void> {
    return this.writes.execute(() => this.inner.deleteByFilter(collection, filter));
  }

  listDocumentChunks(collection: string, documentId: string): Promise<StoredChunkRef[]> {
    return this.reads.execute(() => this.inner.listDocumentChunks(collection, documentId));
  }

  listDocumentPoints(collection: string, documentId: string): Promise<StoredChunk[]> {
    return this.reads.execute(() => this.inner.listDocumentPoints(collection, documentId));
  }

  search(collection: string, requests: SearchRequest[]): Promise<SearchHit[][]> {
    return this.reads.execute(() => this.inner.search(collection, requests));
  }

  count(collection: string, filter?: Filter): Promise<number> {
    return this.reads.execute(() => this.inner.count(collection, filter));
  }

  sampleVectors(collection: string, count: number): Promise<SampledPoint[]> {
    return this.reads.execute(() => this.inner.sampleVectors(collection, count));
  }

  info(collection: string): Promise<StoreCollectionInfo | null> {
    return this.reads.execute(() => this.inner.info(collection));
  }

  optimize(collection: string): Promise<void> {
    return this.writes.execute(() => this.inner.optimize(collection));
  }

  setBulkLoad(collection: string, on: boolean): Promise<void> {
    return this.writes.execute(() => this.inner.setBulkLoad(collection, on));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
