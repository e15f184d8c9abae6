import type { Filter } from './filter.types';
import type {
  CollectionSpec,
  SampledPoint,
  SearchHit,
  SearchRequest,
  StoreCollectionInfo,
  StoredChunk,
  StoredChunkRef,
  StoredPoint,
  VectorStore,
} from './vector-store.port';
import type { ChangeFeed } from './change-feed';

/**
 * The store, with every completed write recorded in the change feed right after it commits
 * and before the caller goes on (an ingest job bumps the collection's version only after its
 * writes returned). So any process that sees version v can find every write up to v in the
 * feed: that is what keeps the serving indexes from ever answering stale.
 */
export class ChangeFeedStore implements VectorStore {
  readonly scanPoints?: VectorStore['scanPoints'];
  readonly getPoints?: VectorStore['getPoints'];

  constructor(
    private readonly inner: VectorStore,
    private readonly feed: ChangeFeed,
  ) {
    const { scanPoints, getPoints } = inner;
    if (scanPoints) this.scanPoints = (c, size) => scanPoints.call(inner, c, size);
    if (getPoints) this.getPoints = (c, ids) => getPoints.call(inner, c, ids);
  }

  get kind(): VectorStore['kind'] {
    return this.inner.kind;
  }

  get quantizedSearchModes(): VectorStore['quantizedSearchModes'] {
    return this.inner.quantizedSearchModes;
  }

  ensureCollection(spec: CollectionSpec): Promise<void> {
    return this.inner.ensureCollection(spec);
  }

  async dropCollection(name: string): Promise<void> {
    await this.inner.dropCollection(name);
    await this.feed.recordReset(name);
  }

  collectionExists(name: string): Promise<boolean> {
    return this.inner.collectionExists(name);
  }

  async upsert(collection: string, points: StoredPoint[]): Promise<void> {
    await this.inner.upsert(collection, points);
    if (points.length) await this.feed.record(collection, { upserted: points.map((p) => p.id) });
  }

  async deleteByIds(collection: string, ids: string[]): Promise<void> {
    await this.inner.deleteByIds(collection, ids);
    if (ids.length) await this.feed.record(collection, { removed: ids });
  }

  async deleteByFilter(collection: string, filter: Filter): Promise<void> {
    await this.inner.deleteByFilter(collection, filter);
    await this.feed.recordReset(collection);
  }

  listDocumentChunks(collection: string, documentId: string): Promise<StoredChunkRef[]> {
    return this.inner.listDocumentChunks(collection, documentId);
  }

  listDocumentPoints(collection: string, documentId: string): Promise<StoredChunk[]> {
    return this.inner.listDocumentPoints(collection, documentId);
  }

  search(collection: string, requests: SearchRequest[]): Promise<SearchHit[][]> {
    return this.inner.search(collection, requests);
  }

  count(collection: string, filter?: Filter): Promise<number> {
    return this.inner.count(collection, filter);
  }

  sampleVectors(collection: string, count: number): Promise<SampledPoint[]> {
    return this.inner.sampleVectors(collection, count);
  }

  info(collection: string): Promise<StoreCollectionInfo | null> {
    return this.inner.info(collection);
  }

  optimize(collection: string): Promise<void> {
    return this.inner.optimize(collection);
  }

  setBulkLoad(collection: string, on: boolean): Promise<void> {
    return this.inner.setBulkLoad(collection, on);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
