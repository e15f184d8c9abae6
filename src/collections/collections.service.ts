import { Inject, Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { CatalogService } from '../catalog/catalog.service';
import {
  CollectionRecord,
  CollectionSettings,
  MigrationRecord,
  storeNameOf,
} from '../catalog/catalog.types';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { ActiveMigrations } from '../reembed/active-migrations';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { CreateCollectionBody } from './collection.schemas';

export interface CollectionView {
  name: string;
  documents: number;
  chunks: number;
  dimensions: number;
  embedder: string;
  store: string;
  /** The collection in the vector store that holds the data (changes with a re-embedding). */
  storeCollection: string;
  version: number;
  createdAt: string;
  /** The creation settings, and `searchTuning` once a tune was applied. */
  config: CollectionSettings & Pick<CollectionRecord, 'searchTuning'>;
  /** A re-embedding underway: searches use the current embedder until it switches. */
  reembedding?: {
    jobId: string;
    embedder: string;
    state: MigrationRecord['phase'];
    /** The store collection being built. */
    storeCollection: string;
  };
}

const DEFAULT_HNSW = { m: 16, efConstruct: 128 };

@Injectable()
export class CollectionsService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly migrations: ActiveMigrations,
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

  /** Creates a collection; `created` is false when one with the same settings exists (409 if others). */
  async create(
    name: string,
    body: CreateCollectionBody,
  ): Promise<{ created: boolean; view: CollectionView }> {
    const settings = this.settingsFrom(body);
    const record: CollectionRecord = { name, ...settings, createdAt: new Date().toISOString() };
    const { created, record: stored } = await this.catalog.createCollection(record);
    if (!created) {
      // Where the data lives and the search tuning are not creation settings: never a conflict.
      const {
        name: _n,
        createdAt: _c,
        storeName: _s,
        searchTuning: _t,
        ...existingSettings
      } = stored;
      if (!isDeepStrictEqual(existingSettings, settings)) {
        throw ApiError.conflict(`collection '${name}' exists with other settings`, {
          existing: existingSettings,
          requested: settings,
        });
      }
    }
    await this.store.ensureCollection({
      name: storeNameOf(stored),
      dimensions: stored.dimensions,
      distance: 'cosine',
      hnsw: stored.hnsw,
      quantization: stored.quantization,
      hybrid: stored.hybrid,
    });
    return { created, view: await this.view(stored) };
  }

  async require(name: string): Promise<CollectionRecord> {
    const record = await this.catalog.getCollection(name);
    if (!record) throw ApiError.notFound(`collection '${name}'`);
    return record;
  }

  async get(name: string): Promise<CollectionView> {
    return this.view(await this.require(name));
  }

  async list(): Promise<CollectionView[]> {
    const records = await this.catalog.listCollections();
    return Promise.all(records.map((r) => this.view(r)));
  }

  /** Refused (409) while a re-embedding is underway: its job is still writing. */
  async remove(name: string): Promise<void> {
    const record = await this.require(name);
    const migration = await this.migrations.of(name);
    if (migration) {
      throw ApiError.conflict(
        `collection '${name}' is being re-embedded (job ${migration.jobId}); delete it when that ends`,
        { jobId: migration.jobId },
      );
    }
    await this.catalog.deleteCollection(name);
    await this.store.dropCollection(storeNameOf(record));
  }

  private async view(record: CollectionRecord): Promise<CollectionView> {
    const [documents, chunks, version, migration] = await Promise.all([
      this.catalog.documentCount(record.name),
      this.store.count(storeNameOf(record)).catch(() => 0),
      this.catalog.version(record.name),
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
