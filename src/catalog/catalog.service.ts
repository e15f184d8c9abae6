import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import type { SearchTuning } from '../client/types';
import { CollectionRecord, DocumentRecord } from './catalog.types';

export interface VersionEvent {
  type: 'version';
  collection: string;
  version: number;
}

/**
 * The shared catalog in Redis: collections, their documents and versions, and for each
 * document the latest requested state ("desired"), which decides which of several queued
 * jobs for one document wins: the one submitted last.
 */
@Injectable()
export class CatalogService {
  private readonly base: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = `${config.prefix}:catalog`;
  }

  get eventsChannel(): string {
    return `${this.base}:events`;
  }

  private collectionsKey(): string {
    return `${this.base}:collections`;
  }
  private key(collection: string, part: 'docs' | 'desired' | 'version' | 'lock'): string {
    return `${this.base}:col:{${collection}}:${part}`;
  }

  async getCollection(name: string): Promise<CollectionRecord | null> {
    const raw = await this.redis.hget(this.collectionsKey(), name);
    return raw ? (JSON.parse(raw) as CollectionRecord) : null;
  }

  async listCollections(): Promise<CollectionRecord[]> {
    const all = await this.redis.hgetall(this.collectionsKey());
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as CollectionRecord)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates the record unless one exists; returns the record that is stored afterwards. */
  async createCollection(
    record: CollectionRecord,
  ): Promise<{ created: boolean; record: CollectionRecord }> {
    const created = await this.redis.hsetnx(
      this.collectionsKey(),
      record.name,
      JSON.stringify(record),
    );
    if (created === 1) return { created: true, record };
    const existing = await this.getCollection(record.name);
    return { created: false, record: existing ?? record };
  }

  async updateCollection(record: CollectionRecord): Promise<void> {
    await this.redis.hset(this.collectionsKey(), record.name, JSON.stringify(record));
  }

  /**
   * Stores (or with null removes) a collection's search tuning, unless the collection is gone:
   * a compare-and-set on the record's JSON, so a delete (or another change) made meanwhile is
   * never overwritten by a stale copy. Returns the record as stored, or null if it is absent.
   */
  async setSearchTuning(
    name: string,
    tuning: SearchTuning | null,
  ): Promise<CollectionRecord | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.redis.hget(this.collectionsKey(), name);
      if (raw === null) return null;
      const { searchTuning: _old, ...rest } = JSON.parse(raw) as CollectionRecord;
      const record: CollectionRecord = tuning ? { ...rest, searchTuning: tuning } : rest;
      const swapped = await this.redis.eval(
        `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
           redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
           return 1
         end
         return 0`,
        1,
        this.collectionsKey(),
        name,
        raw,
        JSON.stringify(record),
      );
      if (swapped === 1) return record;
    }
    throw new Error(`collection '${name}' kept changing while its search tuning was stored`);
  }

  /** Removes the collection's catalog entries. The version survives, so a re-created
   * collection of the same name never matches a cache entry of the old one. */
  async deleteCollection(name: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.collectionsKey(), name)
      .del(this.key(name, 'docs'), this.key(name, 'desired'))
      .exec();
    await this.bumpVersion(name);
  }

  async getDocument(collection: string, id: string): Promise<DocumentRecord | null> {
    const raw = await this.redis.hget(this.key(collection, 'docs'), id);
    return raw ? (JSON.parse(raw) as DocumentRecord) : null;
  }

  async putDocument(collection: string, record: DocumentRecord): Promise<void> {
    await this.redis.hset(this.key(collection, 'docs'), record.id, JSON.stringify(record));
  }

  async removeDocument(collection: string, id: string): Promise<void> {
    await this.redis.hdel(this.key(collection, 'docs'), id);
  }

  async documentCount(collection: string): Promise<number> {
    return this.redis.hlen(this.key(collection, 'docs'));
  }

  /** Records the latest requested state for documents (submission order decides the winner). */
  async setDesired(collection: string, targets: Map<string, string>): Promise<void> {
    if (targets.size === 0) return;
    await this.redis.hset(this.key(collection, 'desired'), targets);
  }

  async getDesired(collection: string, documentId: string): Promise<string | null> {
    return this.redis.hget(this.key(collection, 'desired'), documentId);
  }

  async version(collection: string): Promise<number> {
    return Number((await this.redis.get(this.key(collection, 'version'))) ?? 0);
  }

  /** Every completed write bumps the version; other processes hear of it through pub/sub. */
  async bumpVersion(collection: string): Promise<number> {
    const version = await this.redis.incr(this.key(collection, 'version'));
    const event: VersionEvent = { type: 'version', collection, version };
    await this.redis.publish(this.eventsChannel, JSON.stringify(event));
    return version;
  }

  /**
   * A per-document lock so two jobs for one document never interleave. The owner is the job
   * id, so a retried job (after a crash) takes its own lock back at once.
   */
  async tryLockDocument(
    collection: string,
    documentId: string,
    owner: string,
    ttlMs: number,
  ): Promise<boolean> {
    const key = `${this.key(collection, 'lock')}:${documentId}`;
    const result = await this.redis.eval(
      `local cur = redis.call('GET', KEYS[1])
       if (not cur) or cur == ARGV[1] then
         redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
         return 1
       end
       return 0`,
      1,
      key,
      owner,
      String(ttlMs),
    );
    return result === 1;
  }

  async unlockDocument(collection: string, documentId: string, owner: string): Promise<void> {
    const key = `${this.key(collection, 'lock')}:${documentId}`;
    await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
      1,
      key,
      owner,
    );
  }
}
