import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { BatchersService } from '../batching/batchers.service';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { CollectionRecord, DocumentFormat, storeNameOf } from '../catalog/catalog.types';
import { pointId, sha256Hex } from '../common/hashing';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { Embedder } from '../embedding/embedder.port';
import { Chunk } from '../parsing';
import { ParsePool, ParseTimeoutError } from '../parsing/parse-pool';
import { chunksOfParsed } from './chunking';
import { StoredPoint, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { UpsertWork } from './ingest.types';
import { DeleteJobData, IngestJobResult } from '../queues/ingest-job';

export type ProgressReporter = (percent: number) => Promise<void> | void;

const emptyResult = (documentId: string): IngestJobResult => ({
  documentId,
  chunksAdded: 0,
  chunksUpdated: 0,
  chunksSkipped: 0,
  chunksDeleted: 0,
  timings: {},
});

/**
 * The ingest worker's steps for one document: parse, chunk, skip unchanged chunks, embed
 * (through the shared batcher), upsert, delete chunks that no longer exist, record the
 * document, bump the collection's version. Every step is idempotent, so a retried job
 * (after a crash) ends in the same state.
 */
@Injectable()
export class IngestPipelineService implements OnModuleDestroy {
  private readonly logger = new Logger('IngestPipeline');
  private parsePool?: ParsePool;

  constructor(
    private readonly collectionRecords: CollectionRecords,
    private readonly documentRecords: DocumentRecords,
    private readonly embedders: EmbedderRegistry,
    private readonly batchers: BatchersService,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async embedderFor(record: CollectionRecord): Promise<Embedder> {
    if (!this.embedders.describe(record.embedder)) {
      throw new UnrecoverableError(
        `collection '${record.name}' uses embedder '${record.embedder}', which is not configured in this worker`,
      );
    }
    const embedder = await this.embedders.get(record.embedder);
    if (embedder.dimensions !== record.dimensions) {
      throw new UnrecoverableError(
        `embedder '${embedder.id}' gives ${embedder.dimensions} dimensions; collection '${record.name}' holds ${record.dimensions}`,
      );
    }
    return embedder;
  }

  /**
   * The chunks a document gives with this embedder (the same as chunksFor), parsed off the
   * event loop; markup that takes longer than the parse time limit, or a document of more
   * chunks than allowed, fails the job for good.
   */
  async chunk(format: DocumentFormat, content: string, embedder: Embedder): Promise<Chunk[]> {
    let chunks: Chunk[];
    this.parsePool ??= new ParsePool({ timeoutMs: this.config.chunking.parseTimeoutMs });
    try {
      const parsed = await this.parsePool.parse(format, content);
      chunks = chunksOfParsed(parsed, embedder, this.config.chunking);
    } catch (error) {
      if (error instanceof ParseTimeoutError) throw new UnrecoverableError(error.message);
      throw error;
    }
    // Refused whole, before any write: what a document costs in model time and storage is
    // bounded, and it is never left half stored.
    const { maxChunksPerDocument } = this.config.chunking;
    if (chunks.length > maxChunksPerDocument) {
      throw new UnrecoverableError(
        `the document gives ${chunks.length} chunks; at most ${maxChunksPerDocument} are allowed per document (RAGLINE_MAX_CHUNKS_PER_DOCUMENT)`,
      );
    }
    return chunks;
  }

  async onModuleDestroy(): Promise<void> {
    await this.parsePool?.close();
  }

  /** `record` is the collection's record as the worker read it once admitted to write. */
  async upsert(
    record: CollectionRecord,
    data: UpsertWork,
    report: ProgressReporter,
  ): Promise<IngestJobResult> {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) =>
      (timings[name] = Math.round((performance.now() - since) * 100) / 100);
    const storeName = storeNameOf(record);
    const embedder = await this.embedderFor(record);
    const previous = await this.documentRecords.getDocument(data.collection, data.documentId);
    const result = emptyResult(data.documentId);
    if (previous?.contentHash === data.contentHash) {
      result.chunksSkipped = previous.chunks;
      result.timings = { totalMs: lap('totalMs', t0) };
      return result;
    }

    let t = performance.now();
    const chunks = await this.chunk(data.format, data.content, embedder);
    lap('chunkMs', t);
    await report(10);

    t = performance.now();
    const stored = new Map(
      (await this.store.listDocumentChunks(storeName, data.documentId)).map((c) => [
        c.chunkIndex,
        c,
      ]),
    );
    const metadataChanged =
      previous === null || JSON.stringify(previous.metadata) !== JSON.stringify(data.metadata);
    const hashes = chunks.map((c) => sha256Hex(c.text));
    const changed = chunks.filter(
      (c, i) => metadataChanged || stored.get(c.index)?.contentHash !== hashes[i],
    );
    lap('diffMs', t);

    t = performance.now();
    const batcher = this.batchers.embedBatcher(embedder);
    let embedded = 0;
    const vectors = await Promise.all(
      changed.map((c) =>
        batcher.submit(c.text).then(async (v) => {
          embedded++;
          if (embedded % 8 === 0 || embedded === changed.length) {
            await report(10 + Math.round((70 * embedded) / changed.length));
          }
          return v;
        }),
      ),
    );
    lap('embedMs', t);

    t = performance.now();
    const points: StoredPoint[] = changed.map((c, i) => ({
      id: pointId(data.collection, data.documentId, c.index),
      vector: vectors[i],
      documentId: data.documentId,
      chunkIndex: c.index,
      text: c.text,
      contentHash: sha256Hex(c.text),
      headingPath: c.headingPath,
      start: c.start,
      end: c.end,
      metadata: data.metadata,
    }));
    const upserter = this.batchers.upsertBatcher(storeName);
    await Promise.all(points.map((p) => upserter.submit(p)));
    const stale = [...stored.values()]
      .filter((c) => c.chunkIndex >= chunks.length)
      .map((c) => c.id);
    if (stale.length) await this.store.deleteByIds(storeName, stale);
    lap('storeMs', t);
    await report(90);

    await this.documentRecords.putDocument(data.collection, {
      id: data.documentId,
      format: data.format,
      contentHash: data.contentHash,
      chunks: chunks.length,
      metadata: data.metadata,
      updatedAt: new Date().toISOString(),
    });
    await this.collectionRecords.bumpVersion(data.collection);

    result.chunksAdded = changed.filter((c) => !stored.has(c.index)).length;
    result.chunksUpdated = changed.length - result.chunksAdded;
    result.chunksSkipped = chunks.length - changed.length;
    result.chunksDeleted = stale.length;
    lap('totalMs', t0);
    result.timings = timings;
    return result;
  }

  async delete(record: CollectionRecord, data: DeleteJobData): Promise<IngestJobResult> {
    const t0 = performance.now();
    const storeName = storeNameOf(record);
    const result = emptyResult(data.documentId);
    const stored = await this.store.listDocumentChunks(storeName, data.documentId);
    if (stored.length)
      await this.store.deleteByIds(
        storeName,
        stored.map((c) => c.id),
      );
    await this.documentRecords.removeDocument(data.collection, data.documentId);
    await this.collectionRecords.bumpVersion(data.collection);
    result.chunksDeleted = stored.length;
    result.timings = { totalMs: Math.round((performance.now() - t0) * 100) / 100 };
    this.logger.debug(`deleted ${data.collection}/${data.documentId} (${stored.length} chunks)`);
    return result;
  }
}
