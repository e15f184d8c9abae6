import { Inject, Injectable, Logger } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { CollectionRecord, CollectionSettings, storeNameOf } from '../catalog/catalog.types';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import type { CollectionInfo, CreateCollectionBody } from '../contract/collections';
import { CollectionMigrations, CollectionSourceCleanup } from './collection-dependents';

/** A collection as the API shows it. */
export type CollectionView = CollectionInfo;

const DEFAULT_HNSW = { m: 16, efConstruct: 128 };

function deleteUnfinished(name: string): ApiError {
  return ApiError.conflict(
    `collection '${name}' is being deleted (an earlier delete did not finish); repeat the DELETE, then create it`,
  );
}

@Injectable()
export class CollectionsService {
  private readonly logger = new Logger('Collections');

  constructor(
    private readonly collectionRecords: CollectionRecords,
    private readonly documentRecords: DocumentRecords,
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly migrations: CollectionMigrations,
    private readonly sources: CollectionSourceCleanup,
  ) {}

  private settingsFrom(body: CreateCollectionBody): CollectionSettings {
    const embedderId = body.embedder ?? this.config.embedder.defaultId;
    const embedder = this.embedders.describe(embedderId);
    if (!embedder) {
      throw ApiError.badRequest(
        `embedder: unknown embedder '${embedderId}'; available: ${this.embedders.available().join(', ')}`,
      );
    }
    const hybrid = body.hybrid ?? true;
    const defaultMode = body.defaultMode ?? (hybrid ? 'hybrid' : 'dense');
    if (!hybrid && defaultMode !== 'dense') {
      throw ApiError.badRequest(`defaultMode: '${defaultMode}' needs hybrid: true (a BM25 index)`);
    }
    return {
      embedder: embedder.id,
      dimensions: embedder.dimensions,
      hnsw: { ...DEFAULT_HNSW, ...(body.hnsw ?? {}) },
      quantization: body.quantization ?? 'int8',
      hybrid,
      defaultMode,
      hybridWeights: body.hybridWeights ?? this.config.search.hybridWeights,
    };
  }

  /**
   * Creates a collection; `created` is false when one with the same settings exists (409 if
   * others). The store comes first and the catalog record last, so a store that fails leaves no
   * record behind (no collection that accepts documents and fails every job): the PUT fails and
   * can simply be repeated.
   */
  async create(
    name: string,
    body: CreateCollectionBody,
  ): Promise<{ created: boolean; view: CollectionView }> {
    const settings = this.settingsFrom(body);
    const existing = await this.collectionRecords.getCollectionRecord(name);
    if (existing) {
      this.assertSameSettings(existing, settings);
      await this.ensureStore(existing);
      return { created: false, view: await this.view(existing) };
    }
    const record: CollectionRecord = { name, ...settings, createdAt: new Date().toISOString() };
    await this.ensureStore(record);
    const { created, record: stored } = await this.collectionRecords.createCollection(record);
    if (!created) this.assertSameSettings(stored, settings);
    return { created, view: await this.view(stored) };
  }

  /** 409 unless `existing` was created with `settings` (and is not being deleted). */
  private assertSameSettings(existing: CollectionRecord, settings: CollectionSettings): void {
    if (existing.deleting) throw deleteUnfinished(existing.name);
    // Where the data lives and the search tuning are not creation settings: never a conflict.
    const {
      name: _n,
      createdAt: _c,
      storeName: _s,
      searchTuning: _t,
      deleting: _d,
      ...existingSettings
    } = existing;
    if (!isDeepStrictEqual(existingSettings, settings)) {
      throw ApiError.conflict(`collection '${existing.name}' exists with other settings`, {
        existing: existingSettings,
        requested: settings,
      });
    }
  }

  private async ensureStore(record: CollectionRecord): Promise<void> {
    try {
      await this.store.ensureCollection({
        name: storeNameOf(record),
        dimensions: record.dimensions,
        distance: 'cosine',
        hnsw: record.hnsw,
        quantization: record.quantization,
        hybrid: record.hybrid,
      });
    } catch (error) {
      if ((error as Error).name === 'CollectionConflictError') {
        // Store data without a catalog record: left by a create that failed before its record.
        throw ApiError.conflict(
          `the vector store already holds a collection '${record.name}' with other settings; create it with those, or delete it first`,
        );
      }
      throw error;
    }
  }

  async require(name: string): Promise<CollectionRecord> {
    const record = await this.collectionRecords.getCollection(name);
    if (!record) throw ApiError.notFound(`collection '${name}'`);
    return record;
  }

  async get(name: string): Promise<CollectionView> {
    return this.view(await this.require(name));
  }

  async list(): Promise<CollectionView[]> {
    const records = await this.collectionRecords.listCollections();
    return Promise.all(records.map((r) => this.view(r)));
  }

  /**
   * Refused (409) while a re-embedding is underway: its job is still writing. Four steps, so a
   * store that fails in the middle leaves a state the next DELETE finishes: mark the record as
   * being deleted (the collection is gone to every reader), remove its sources and their
   * schedules, drop the store's data, remove the record. A repeated DELETE of a collection
   * whose delete failed picks up after the mark.
   */
  async remove(name: string): Promise<void> {
    const record = await this.collectionRecords.getCollectionRecord(name);
    if (!record) throw ApiError.notFound(`collection '${name}'`);
    if (!record.deleting) {
      const migration = await this.migrations.of(name);
      if (migration) {
        throw ApiError.conflict(
          `collection '${name}' is being re-embedded (job ${migration.jobId}); delete it when that ends`,
          { jobId: migration.jobId },
        );
      }
      if (!(await this.collectionRecords.markDeleting(name)))
        throw ApiError.notFound(`collection '${name}'`);
    }
    try {
      await this.sources.removeAll(name);
    } catch (error) {
      this.logger.warn(
        `collection '${name}': removing its sources failed, the delete stays pending: ${(error as Error).message}`,
      );
      throw ApiError.unavailable(
        `collection '${name}' is marked deleted but its sources could not be removed yet; repeat the DELETE to finish it`,
      );
    }
    try {
      await this.store.dropCollection(storeNameOf(record));
    } catch (error) {
      this.logger.warn(
        `collection '${name}': dropping its store data failed, the delete stays pending: ${(error as Error).message}`,
      );
      throw ApiError.unavailable(
        `collection '${name}' is marked deleted but its data could not be dropped yet; repeat the DELETE to finish it`,
      );
    }
    await this.collectionRecords.deleteCollection(name);
  }

  private async view(record: CollectionRecord): Promise<CollectionView> {
    const [documents, chunks, version, migration] = await Promise.all([
      this.documentRecords.documentCount(record.name),
      this.store.count(storeNameOf(record)).catch(() => 0),
      this.collectionRecords.version(record.name),
      this.migrations.of(record.name),
    ]);
    const { name, createdAt, storeName: _storeName, ...config } = record;
    return {
      name,
      documents,
      chunks,
      dimensions: record.dimensions,
      embedder: record.embedder,
      store: this.store.kind,
      storeCollection: storeNameOf(record),
      version,
      createdAt,
      config,
      ...(migration
        ? {
            reembedding: {
              jobId: migration.jobId,
              embedder: migration.embedder,
              state: migration.phase,
              storeCollection: migration.storeName,
            },
          }
        : {}),
    };
  }
}
