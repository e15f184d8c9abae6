import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { CatalogKeys } from './catalog-keys';
import { DocumentRecord } from './catalog.types';
import { DocumentPage, documentPage, LIST_DOCUMENTS } from './document-listing';

/**
 * The documents of each collection in the catalog: a hash of their records, beside an index of
 * their ids that lists them in order (both under the collection's hash tag).
 */
@Injectable()
export class DocumentRecords {
  private readonly keys: CatalogKeys;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new CatalogKeys(config.prefix);
  }

  async getDocument(collection: string, id: string): Promise<DocumentRecord | null> {
    const raw = await this.redis.hget(this.keys.of(collection, 'docs'), id);
    return raw ? (JSON.parse(raw) as DocumentRecord) : null;
  }

  /** The record, and its id in the index that lists documents in order (one step). */
  async putDocument(collection: string, record: DocumentRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.of(collection, 'docs'), record.id, JSON.stringify(record))
      .zadd(this.keys.of(collection, 'docindex'), 0, record.id)
      .exec();
  }

  async removeDocument(collection: string, id: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.keys.of(collection, 'docs'), id)
      .zrem(this.keys.of(collection, 'docindex'), id)
      .exec();
  }

  /**
   * Up to `limit` documents in id order, after the id `after` (null: from the first). A
   * document stored for the whole listing is listed exactly once, whatever is written meanwhile.
   */
  async listDocuments(
    collection: string,
    after: string | null,
    limit: number,
  ): Promise<DocumentPage> {
    const reply = (await this.redis.eval(
      LIST_DOCUMENTS,
      2,
      this.keys.of(collection, 'docs'),
      this.keys.of(collection, 'docindex'),
      after ?? '',
      String(limit),
    )) as [string[], (string | null)[]];
    return documentPage(reply, limit);
  }

  async documentCount(collection: string): Promise<number> {
    return this.redis.hlen(this.keys.of(collection, 'docs'));
  }

  /** Ids of the collection's documents, sorted (a stable order to work through). */
  async documentIds(collection: string): Promise<string[]> {
    const ids = await this.redis.hkeys(this.keys.of(collection, 'docs'));
    return ids.sort();
  }
}
