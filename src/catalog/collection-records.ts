import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { SearchTuning } from '../contract';
import { whenReady } from '../redis/redis-connection';
import { REDIS } from '../redis/redis.module';
import { CatalogKeys } from './catalog-keys';
import { CollectionRecord } from './catalog.types';

/** Announced on the catalog's channel whenever a collection's version goes up. */
export interface VersionEvent {
  type: 'version';
  collection: string;
  version: number;
}

/** KEYS: record. ARGV: expected record, new record. Compare-and-set of a collection's record. */
const SWAP_RECORD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/**
 * Collections in the catalog: their records, the set of their names, and their versions (every
 * completed write bumps one; other processes hear of it through pub/sub, on `eventsChannel`).
 *
 * Each collection's record sits beside its version under the collection's hash tag, so a
 * Redis Cluster spreads collections over its shards; a set of names lists them.
 */
@Injectable()
export class CollectionRecords implements OnModuleInit {
  private readonly logger = new Logger('CollectionRecords');
  private readonly keys: CatalogKeys;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.keys = new CatalogKeys(config.prefix);
  }

  async onModuleInit(): Promise<void> {
    if (!(await whenReady(this.redis, this.config.redisCommandTimeoutMs * 3))) {
      throw new Error('Redis did not become ready to read the collection catalog');
    }
    const moved = await this.moveLegacyRecords();
    if (moved) this.logger.log(`moved ${moved} collection record(s) to per-collection keys`);
  }

  /**
   * Releases before the Redis Cluster support kept every record in one hash, which a cluster
   * cannot update in one step with a collection's version. Each record found there moves to
   * its collection's key (unless one is there already) and leaves the hash; idempotent, and
   * safe with several processes starting at once. Returns how many moved.
   */
  async moveLegacyRecords(): Promise<number> {
    const legacy = this.keys.legacyRecords;
    const records = await this.redis.hgetall(legacy);
    for (const [name, raw] of Object.entries(records)) {
      await this.redis.sadd(this.keys.names, name);
      await this.redis.set(this.keys.of(name, 'record'), raw, 'NX');
      await this.redis.hdel(legacy, name);
    }
    return Object.keys(records).length;
  }

  get eventsChannel(): string {
    return this.keys.events;
  }

  /** The collection, unless it is absent or being deleted. */
  async getCollection(name: string): Promise<CollectionRecord | null> {
    const record = await this.getCollectionRecord(name);
    return record && !record.deleting ? record : null;
  }

  /** The stored record as it is, a collection being deleted included. */
  async getCollectionRecord(name: string): Promise<CollectionRecord | null> {
    const raw = await this.redis.get(this.keys.of(name, 'record'));
    return raw ? (JSON.parse(raw) as CollectionRecord) : null;
  }

  /** The record with the version it belongs to, read in one step (a switch changes both). */
  async getCollectionState(
    name: string,
  ): Promise<{ record: CollectionRecord; version: number } | null> {
    const replies = await this.redis
      .multi()
      .get(this.keys.of(name, 'record'))
      .get(this.keys.of(name, 'version'))
      .exec();
    const [[recordError, raw], [versionError, version]] = replies ?? [[null], [null]];
    if (recordError || versionError) throw recordError ?? versionError;
    if (typeof raw !== 'string') return null;
    const record = JSON.parse(raw) as CollectionRecord;
    if (record.deleting) return null;
    return { record, version: Number(version ?? 0) };
  }

  async listCollections(): Promise<CollectionRecord[]> {
    const names = await this.redis.smembers(this.keys.names);
    const records = await Promise.all(names.map((name) => this.getCollection(name)));
    return records
      .filter((record): record is CollectionRecord => record !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates the record unless one exists; returns the record that is stored afterwards. */
  async createCollection(
    record: CollectionRecord,
  ): Promise<{ created: boolean; record: CollectionRecord }> {
    // Named first: a process that dies in between leaves a name without a record (skipped),
    // never a record no listing shows.
    await this.redis.sadd(this.keys.names, record.name);
    const created = await this.redis.set(
      this.keys.of(record.name, 'record'),
      JSON.stringify(record),
      'NX',
    );
    if (created === 'OK') return { created: true, record };
    const existing = await this.getCollectionRecord(record.name);
    return { created: false, record: existing ?? record };
  }

  async updateCollection(record: CollectionRecord): Promise<void> {
    await this.redis.sadd(this.keys.names, record.name);
    await this.redis.set(this.keys.of(record.name, 'record'), JSON.stringify(record));
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
    return this.changeRecord(name, (current) => {
      if (current.deleting) return null;
      const { searchTuning: _old, ...rest } = current;
      return tuning ? { ...rest, searchTuning: tuning } : rest;
    });
  }

  /**
   * The first step of a delete: marks the collection as being deleted (it is gone to every
   * reader from now on) and announces it. Returns the record, or null if it is absent.
   */
  async markDeleting(name: string): Promise<CollectionRecord | null> {
    const record = await this.changeRecord(name, (current) =>
      current.deleting ? current : { ...current, deleting: new Date().toISOString() },
    );
    if (record) await this.bumpVersion(name);
    return record;
  }

  /**
   * Replaces a collection's record with `change(record)`: a compare-and-set on the record's
   * JSON, so a change made meanwhile (a delete, a switch) is never overwritten by a stale copy.
   * `change` returning null leaves the record as it is. Returns the record as stored, or null.
   */
  private async changeRecord(
    name: string,
    change: (current: CollectionRecord) => CollectionRecord | null,
  ): Promise<CollectionRecord | null> {
    const key = this.keys.of(name, 'record');
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.redis.get(key);
      if (raw === null) return null;
      const record = change(JSON.parse(raw) as CollectionRecord);
      if (record === null) return null;
      const swapped = await this.redis.eval(SWAP_RECORD, 1, key, raw, JSON.stringify(record));
      if (swapped === 1) return record;
    }
    throw new Error(`collection '${name}' kept changing while its record was updated`);
  }

  /**
   * Removes every catalog entry of the collection: its record, documents, desired states,
   * re-embedding and writers. The version survives, so a re-created collection of the same
   * name never matches a cache entry of the old one.
   */
  async deleteCollection(name: string): Promise<void> {
    await this.redis
      .multi()
      .del(
        this.keys.of(name, 'record'),
        this.keys.of(name, 'docs'),
        this.keys.of(name, 'docindex'),
        this.keys.of(name, 'desired'),
        this.keys.of(name, 'migration'),
        this.keys.of(name, 'writers'),
      )
      .exec();
    await this.redis.srem(this.keys.names, name);
    await this.bumpVersion(name);
  }

  async version(collection: string): Promise<number> {
    return Number((await this.redis.get(this.keys.of(collection, 'version'))) ?? 0);
  }

  /** Every completed write bumps the version; other processes hear of it through pub/sub. */
  async bumpVersion(collection: string): Promise<number> {
    const version = await this.redis.incr(this.keys.of(collection, 'version'));
    const event: VersionEvent = { type: 'version', collection, version };
    await this.redis.publish(this.keys.events, JSON.stringify(event));
    return version;
  }
}
