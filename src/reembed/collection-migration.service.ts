import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { BatchersService } from '../batching/batchers.service';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { WriteAdmissions } from '../catalog/write-admission';
import { MigrationClaims } from '../catalog/migration-claims';
import { CollectionRecord, storeNameOf } from '../catalog/catalog.types';
import { mapWithConcurrency, sleep } from '../client/concurrency';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { Embedder } from '../embedding/embedder.port';
import { StoredPoint, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { MIGRATION_CLAIM_TTL_MS, MIGRATION_RENEW_MS } from './reembed.types';
import { ReembedJobData, ReembedJobResult } from '../queues/reembed-job';

export type MigrationProgress = (percent: number) => Promise<void> | void;

export interface MigrationHooks {
  report: MigrationProgress;
  /**
   * Whether this attempt still owns its job. A worker that stalled (say, a blocked event loop)
   * may find its job handed to another worker meanwhile: it must then not switch.
   */
  stillOwner: () => Promise<boolean>;
}

/** Documents copied at once: their chunks share the embedder's batches. */
const DOCUMENTS_IN_FLIGHT = 8;
const WRITES_POLL_MS = 200;

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The steps of one re-embedding. The collection keeps serving from its old store collection
 * throughout; ingest and delete jobs of the collection wait from the moment the job starts.
 *
 * 1. Claim the collection (writes admitted from now on wait) and let admitted writes finish.
 * 2. Build the new store collection from scratch (a retry starts over: the Redis embedding
 *    cache keeps what an earlier attempt embedded, so it is not embedded twice): every stored
 *    chunk of every document in the catalog, text, offsets, metadata and point id unchanged,
 *    embedded again with the new embedder through the shared batcher.
 * 3. Check the count, then switch the catalog record (embedder, dimensions, store collection)
 *    and bump the version in one step: cached searches stop matching, new ones use the new
 *    embedder and data, and waiting writes run against them.
 * 4. After the longest a search may still run on the old data, drop the old store collection.
 */
@Injectable()
export class CollectionMigration {
  private readonly logger = new Logger('CollectionMigration');

  constructor(
    private readonly collectionRecords: CollectionRecords,
    private readonly documentRecords: DocumentRecords,
    private readonly writeAdmissions: WriteAdmissions,
    private readonly migrationClaims: MigrationClaims,
    private readonly embedders: EmbedderRegistry,
    private readonly batchers: BatchersService,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(jobId: string, data: ReembedJobData, hooks: MigrationHooks): Promise<ReembedJobResult> {
    const { report } = hooks;
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const record = await this.collectionRecords.getCollection(data.collection);
    if (!record) {
      throw new UnrecoverableError(`collection '${data.collection}' does not exist (deleted?)`);
    }
    if (record.storeName === data.to.storeName) {
      // An earlier attempt switched and then stopped: only the old data is left to drop.
      await this.dropOldStore(data);
      return this.result(data, record, await this.collectionRecords.version(data.collection), {
        documents: await this.documentRecords.documentCount(data.collection),
        chunks: await this.store.count(data.to.storeName),
        timings: { totalMs: round(performance.now() - t0) },
      });
    }
    if (record.embedder !== data.from.embedder || storeNameOf(record) !== data.from.storeName) {
      throw new UnrecoverableError(
        `collection '${data.collection}' changed since this re-embedding was requested: it now uses embedder '${record.embedder}'`,
      );
    }
    const embedder = await this.embedderFor(data);

    await this.claim(jobId, data);
    let lost = false;
    const renew = setInterval(() => {
      void this.migrationClaims
        .renewMigration(data.collection, jobId, MIGRATION_CLAIM_TTL_MS)
        .then((held) => (lost ||= !held))
        .catch(() => undefined);
    }, MIGRATION_RENEW_MS);
    let version: number;
    let copied: { documents: number; chunks: number };
    try {
      let t = performance.now();
      while ((await this.writeAdmissions.activeWrites(data.collection)) > 0)
        await sleep(WRITES_POLL_MS);
      timings.writesWaitMs = round(performance.now() - t);
      await report(2);

      t = performance.now();
      await this.store.dropCollection(data.to.storeName);
      await this.store.ensureCollection({
        name: data.to.storeName,
        dimensions: data.to.dimensions,
        distance: 'cosine',
        hnsw: record.hnsw,
        quantization: record.quantization,
        hybrid: record.hybrid,
      });
      copied = await this.copy(data, embedder, report, () => lost);
      timings.copyMs = round(performance.now() - t);

      t = performance.now();
      await this.store.optimize(data.to.storeName);
      const stored = await this.store.count(data.to.storeName);
      if (stored !== copied.chunks) {
        throw new Error(
          `the new store collection '${data.to.storeName}' holds ${stored} chunks; ${copied.chunks} were copied`,
        );
      }
      timings.optimizeMs = round(performance.now() - t);
      if (lost) throw new Error(this.lostMessage(data));
      if (!(await hooks.stillOwner())) {
        throw new Error(`job ${jobId} was handed to another worker; this attempt stops`);
      }
      const next: CollectionRecord = {
        ...record,
        embedder: data.to.embedder,
        dimensions: data.to.dimensions,
        storeName: data.to.storeName,
      };
      version = await this.migrationClaims.switchCollection(record, next, jobId);
    } finally {
      clearInterval(renew);
    }
    await report(99);
    this.logger.log(
      `collection '${data.collection}' now uses '${data.to.embedder}' (${copied.chunks} chunks of ${copied.documents} documents in '${data.to.storeName}')`,
    );

    const t = performance.now();
    // Searches that read the old record just before the switch may still be on their way to
    // the old data; none waits for its answer longer than the search timeout.
    await sleep(this.config.search.timeoutMs);
    await this.dropOldStore(data);
    timings.dropMs = round(performance.now() - t);
    timings.totalMs = round(performance.now() - t0);
    return this.result(data, record, version, { ...copied, timings });
  }

  /**
   * After the last attempt failed: the collection keeps its old data and embedder, the partial
   * new store collection goes, and writes resume. Safe to call more than once.
   */
  async abandon(jobId: string, data: ReembedJobData): Promise<void> {
    const record = await this.collectionRecords.getCollection(data.collection);
    if (record?.storeName === data.to.storeName) return; // switched: nothing to undo
    await this.store.dropCollection(data.to.storeName);
    await this.batchers.releaseUpsertBatcher(data.to.storeName);
    await this.migrationClaims.releaseMigration(data.collection, jobId);
  }

  private async embedderFor(data: ReembedJobData): Promise<Embedder> {
    if (!this.embedders.describe(data.to.embedder)) {
      throw new UnrecoverableError(
        `embedder '${data.to.embedder}' is not configured in this worker`,
      );
    }
    const embedder = await this.embedders.get(data.to.embedder);
    if (embedder.dimensions !== data.to.dimensions) {
      throw new UnrecoverableError(
        `embedder '${embedder.id}' gives ${embedder.dimensions} dimensions; ${data.to.dimensions} were expected`,
      );
    }
    return embedder;
  }

  private async claim(jobId: string, data: ReembedJobData): Promise<void> {
    const claimed = await this.migrationClaims.claimMigration(
      data.collection,
      {
        jobId,
        phase: 'running',
        embedder: data.to.embedder,
        dimensions: data.to.dimensions,
        storeName: data.to.storeName,
        requestedAt: new Date(data.requestedAt).toISOString(),
      },
      { ttlMs: MIGRATION_CLAIM_TTL_MS },
    );
    if (claimed.jobId !== jobId) {
      throw new UnrecoverableError(
        `another re-embedding of collection '${data.collection}' (job ${claimed.jobId}, to '${claimed.embedder}') was requested meanwhile`,
      );
    }
  }

  /** Copies every document of the catalog; progress is documents done out of all. */
  private async copy(
    data: ReembedJobData,
    embedder: Embedder,
    report: MigrationProgress,
    lost: () => boolean,
  ): Promise<{ documents: number; chunks: number }> {
    const ids = await this.documentRecords.documentIds(data.collection);
    const embed = this.batchers.embedBatcher(embedder);
    const upserter = this.batchers.upsertBatcher(data.to.storeName);
    let done = 0;
    let chunks = 0;
    let reported = 2;
    let failure: Error | undefined;
    await mapWithConcurrency(ids, DOCUMENTS_IN_FLIGHT, async (documentId) => {
      if (failure) return;
      try {
        if (lost()) throw new Error(this.lostMessage(data));
        const stored = await this.store.listDocumentPoints(data.from.storeName, documentId);
        const vectors = await Promise.all(stored.map((chunk) => embed.submit(chunk.text)));
        const points: StoredPoint[] = stored.map((chunk, i) => ({ ...chunk, vector: vectors[i] }));
        await Promise.all(points.map((point) => upserter.submit(point)));
        chunks += points.length;
        done++;
        const percent = 2 + Math.floor((93 * done) / ids.length);
        if (percent > reported) {
          reported = percent;
          await report(percent);
        }
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    });
    if (failure) throw failure;
    return { documents: ids.length, chunks };
  }

  private async dropOldStore(data: ReembedJobData): Promise<void> {
    if (data.from.storeName === data.to.storeName) return;
    await this.store.dropCollection(data.from.storeName);
    await this.batchers.releaseUpsertBatcher(data.from.storeName);
  }

  private lostMessage(data: ReembedJobData): string {
    return `the re-embedding of '${data.collection}' lost its claim on the collection (it was not renewed in time); it starts over`;
  }

  private result(
    data: ReembedJobData,
    record: CollectionRecord,
    version: number,
    counts: { documents: number; chunks: number; timings: Record<string, number> },
  ): ReembedJobResult {
    return {
      collection: record.name,
      from: data.from.embedder,
      to: data.to.embedder,
      dimensions: data.to.dimensions,
      storeName: data.to.storeName,
      documents: counts.documents,
      chunks: counts.chunks,
      version,
      timings: counts.timings,
    };
  }
}
