import { Inject, Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { CatalogService } from '../catalog/catalog.service';
import { CollectionRecord, CollectionSettings } from '../catalog/catalog.types';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { CreateCollectionBody } from './collection.schemas';

export interface CollectionView {
  name: string;
  documents: number;
  chunks: number;
  dimensions: number;
  embedder: string;
  store: string;
  version: number;
  createdAt: string;
  /** The creation settings, and `searchTuning` once a tune was applied. */
  config: CollectionSettings & Pick<CollectionRecord, 'searchTuning'>;
}

const DEFAULT_HNSW = { m: 16, efConstruct: 128 };

@Injectable()
export class CollectionsService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
      // The search tuning is measured later, not asked for at creation: it never conflicts.
      const { name: _n, createdAt: _c, searchTuning: _t, ...existingSettings } = stored;
      if (!isDeepStrictEqual(existingSettings, settings)) {
        throw ApiError.conflict(`collection '${name}' exists with other settings`, {
          existing: existingSettings,
          requested: settings,
        });
      }
    }
    await this.store.ensureCollection({
      name,
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

  async remove(name: string): Promise<void> {
    await this.require(name);
    await this.catalog.deleteCollection(name);
    await this.store.dropCollection(name);
  }

  private async view(record: CollectionRecord): Promise<CollectionView> {
    const [documents, chunks, version] = await Promise.all([
      this.catalog.documentCount(record.name),
      this.store.count(record.name).catch(() => 0),
      this.catalog.version(record.name),
    ]);
    const { name, createdAt, ...config } = record;
    return {
      name,
      documents,
      chunks,
      dimensions: record.dimensions,
      embedder: record.embedder,
      store: this.store.kind,
      version,
      createdAt,
      config,
    };
  }
}
