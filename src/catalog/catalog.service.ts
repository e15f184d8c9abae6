import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { collectionKey } from '../redis/keys';
import { whenReady } from '../redis/redis-connection';
import { REDIS } from '../redis/redis.module';
import type { SearchTuning } from '../contract';
import { CollectionRecord, DesiredState, DocumentRecord, MigrationRecord } from './catalog.types';
import { DocumentPage, documentPage, LIST_DOCUMENTS } from './document-listing';

export interface VersionEvent {
  type: 'version';
  collection: string;
  version: number;
}

/** What an ingest or delete job finds when it asks to write a document. */
export type WriteAdmission = 'admitted' | 'locked' | 'migrating';

type KeyPart =
  'record' | 'docs' | 'docindex' | 'desired' | 'version' | 'lock' | 'migration' | 'writers' | 'seq';

/*
 * Every script below touches the keys of one collection only, all under the collection's hash
 * tag (keys.ts: collectionKey), so each runs on one slot of a Redis Cluster.
 */

/**
 * Takes a document's write lock unless a re-embedding of the collection is running, and
 * records the owner among the collection's writers (score: when its lock expires), so a
 * re-embedding can wait until writes that were admitted before it have finished.
 * KEYS: lock, writers, migration. ARGV: owner, ttlMs, nowMs. Returns 1, 0 (locked), 2 (migrating).
 */
const ADMIT_WRITE = `
if redis.call('HGET', KEYS[3], 'phase') == 'running' then
  if tonumber(redis.call('HGET', KEYS[3], 'expiresAt') or '0') > tonumber(ARGV[3]) then return 2 end
  -- The re-embedding stopped renewing its claim (its worker died): it loses the collection,
  -- and its retry starts over.
  redis.call('DEL', KEYS[3])
end
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[2]), ARGV[1])
return 1`;

/** KEYS: lock, writers. ARGV: owner, ttlMs, nowMs. Extends a lock this owner holds. */
const RENEW_WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[2]), ARGV[1])
return 1`;

/** KEYS: lock, writers. ARGV: owner. */
const RELEASE_WRITE = `
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Records a migration unless another one is recorded; returns the recorded one's fields.
 * KEYS: migration. ARGV: jobId, phase, data (JSON), replaceJobId ('' for none), expiresAt.
 * A migration whose job id is ARGV[1] or ARGV[4] is overwritten.
 */
const CLAIM_MIGRATION = `
local cur = redis.call('HGET', KEYS[1], 'jobId')
if (not cur) or cur == ARGV[1] or cur == ARGV[4] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'jobId', ARGV[1], 'phase', ARGV[2], 'data', ARGV[3], 'expiresAt', ARGV[5])
end
return redis.call('HMGET', KEYS[1], 'jobId', 'phase', 'data')`;

/**
 * Records the latest requested state of documents where newer than the one recorded.
 * KEYS: desired. ARGV: (documentId, seq, target) triples.
 */
const RECORD_DESIRED = `
for i = 1, #ARGV, 3 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local seq = current and tonumber(string.match(current, '^(%d+)|')) or 0
  if (not current) or seq < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2])
  end
end
return 1`;

/** KEYS: migration. ARGV: jobId, expiresAt. Returns 0 when the migration is no longer this job's. */
const RENEW_MIGRATION = `
if redis.call('HGET', KEYS[1], 'jobId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2])
return 1`;

/** KEYS: migration. ARGV: jobId. Removes the migration if it is this job's. */
const RELEASE_MIGRATION = `
if redis.call('HGET', KEYS[1], 'jobId') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The switch at the end of a re-embedding, in one step: the record changes (embedder,
 * dimensions, store collection), the migration ends, the version goes up and is announced.
 * KEYS: record, migration, version. ARGV: name, jobId, expected record, new record, channel.
 * Returns the new version, -1 if the migration is not this job's, -2 if the record changed.
 */
const SWITCH_COLLECTION = `
if redis.call('HGET', KEYS[2], 'jobId') ~= ARGV[2] then return -1 end
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return -2 end
redis.call('SET', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[2])
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], cjson.encode({type = 'version', collection = ARGV[1], version = version}))
return version`;

/** KEYS: record. ARGV: expected record, new record. Compare-and-set of a collection's record. */
const SWAP_RECORD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/**
 * The shared catalog in Redis: collections, their documents and versions, and for each
 * document the latest requested state ("desired"), which decides which of several queued
 * jobs for one document wins: the one submitted last.
 *
 * Each collection's keys share its hash tag (one record key per collection, beside its
 * version), so a Redis Cluster spreads collections over its shards; a set of names lists them.
 */
@Injectable()
export class CatalogService implements OnModuleInit {
  private readonly logger = new Logger('CatalogService');
  private readonly base: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.base = `${config.prefix}:catalog`;
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
    const legacy = `${this.base}:collections`;
    const records = await this.redis.hgetall(legacy);
    for (const [name, raw] of Object.entries(records)) {
      await this.redis.sadd(this.namesKey(), name);
      await this.redis.set(this.recordKey(name), raw, 'NX');
      await this.redis.hdel(legacy, name);
    }
    return Object.keys(records).length;
  }

  get eventsChannel(): string {
    return `${this.base}:events`;
  }

  /** Names of the collections (a name whose record is gone is skipped when listing). */
  private namesKey(): string {
    return `${this.base}:names`;
  }
  private recordKey(collection: string): string {
    return this.key(collection, 'record');
  }
  private key(collection: string, part: KeyPart): string {
    return collectionKey(this.config.prefix, collection, part);
  }

  private lockKey(collection: string, documentId: string): string {
    return `${this.key(collection, 'lock')}:${documentId}`;
  }

  /** The collection, unless it is absent or being deleted. */
  async getCollection(name: string): Promise<CollectionRecord | null> {
    const record = await this.getCollectionRecord(name);
    return record && !record.deleting ? record : null;
  }

  /** The stored record as it is, a collection being deleted included. */
  async getCollectionRecord(name: string): Promise<CollectionRecord | null> {
    const raw = await this.redis.get(this.recordKey(name));
    return raw ? (JSON.parse(raw) as CollectionRecord) : null;
  }

  /** The record with the version it belongs to, read in one step (a switch changes both). */
  async getCollectionState(
    name: string,
  ): Promise<{ record: CollectionRecord; version: number } | null> {
    const replies = await this.redis
      .multi()
      .get(this.recordKey(name))
      .get(this.key(name, 'version'))
      .exec();
    const [[recordError, raw], [versionError, version]] = replies ?? [[null], [null]];
    if (recordError || versionError) throw recordError ?? versionError;
    if (typeof raw !== 'string') return null;
    const record = JSON.parse(raw) as CollectionRecord;
    if (record.deleting) return null;
    return { record, version: Number(version ?? 0) };
  }

  async listCollections(): Promise<CollectionRecord[]> {
    const names = await this.redis.smembers(this.namesKey());
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
    await this.redis.sadd(this.namesKey(), record.name);
    const created = await this.redis.set(this.recordKey(record.name), JSON.stringify(record), 'NX');
    if (created === 'OK') return { created: true, record };
    const existing = await this.getCollectionRecord(record.name);
    return { created: false, record: existing ?? record };
  }

  async updateCollection(record: CollectionRecord): Promise<void> {
    await this.redis.sadd(this.namesKey(), record.name);
    await this.redis.set(this.recordKey(record.name), JSON.stringify(record));
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
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.redis.get(this.recordKey(name));
      if (raw === null) return null;
      const record = change(JSON.parse(raw) as CollectionRecord);
      if (record === null) return null;
      const swapped = await this.redis.eval(
        SWAP_RECORD,
        1,
        this.recordKey(name),
        raw,
        JSON.stringify(record),
      );
      if (swapped === 1) return record;
    }
    throw new Error(`collection '${name}' kept changing while its record was updated`);
  }

  /** Removes the collection's catalog entries. The version survives, so a re-created
   * collection of the same name never matches a cache entry of the old one. */
  async deleteCollection(name: string): Promise<void> {
    await this.redis
      .multi()
      .del(
        this.recordKey(name),
        this.key(name, 'docs'),
        this.key(name, 'docindex'),
        this.key(name, 'desired'),
        this.key(name, 'migration'),
        this.key(name, 'writers'),
      )
      .exec();
    await this.redis.srem(this.namesKey(), name);
    await this.bumpVersion(name);
  }

  async getDocument(collection: string, id: string): Promise<DocumentRecord | null> {
    const raw = await this.redis.hget(this.key(collection, 'docs'), id);
    return raw ? (JSON.parse(raw) as DocumentRecord) : null;
  }

  /** The record, and its id in the index that lists documents in order (one step). */
  async putDocument(collection: string, record: DocumentRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(collection, 'docs'), record.id, JSON.stringify(record))
      .zadd(this.key(collection, 'docindex'), 0, record.id)
      .exec();
  }

  async removeDocument(collection: string, id: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.key(collection, 'docs'), id)
      .zrem(this.key(collection, 'docindex'), id)
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
      this.key(collection, 'docs'),
      this.key(collection, 'docindex'),
      after ?? '',
      String(limit),
    )) as [string[], (string | null)[]];
    return documentPage(reply, limit);
  }

  async documentCount(collection: string): Promise<number> {
    return this.redis.hlen(this.key(collection, 'docs'));
  }

  /** Ids of the collection's documents, sorted (a stable order to work through). */
  async documentIds(collection: string): Promise<string[]> {
    const ids = await this.redis.hkeys(this.key(collection, 'docs'));
    return ids.sort();
  }

  /**
   * Numbers for `count` new submissions to the collection, in submission order: a later
   * submission of a document always holds a larger number than an earlier one.
   */
  async nextSubmissions(collection: string, count: number): Promise<number[]> {
    const last = await this.redis.incrby(this.key(collection, 'seq'), count);
    return Array.from({ length: count }, (_, i) => last - count + 1 + i);
  }

  /**
   * Records the latest requested state of documents: each entry is kept only where it is newer
   * (a larger submission number) than the one recorded, so the order in which producers and
   * workers get here does not matter. Called by the producer once its jobs are in the queue,
   * and by a worker whose job finds no newer entry (its producer may have failed just after
   * the add).
   */
  async recordDesired(collection: string, states: Map<string, DesiredState>): Promise<void> {
    if (states.size === 0) return;
    const args: string[] = [];
    for (const [documentId, { seq, target }] of states) args.push(documentId, String(seq), target);
    await this.redis.eval(RECORD_DESIRED, 1, this.key(collection, 'desired'), ...args);
  }

  async getDesired(collection: string, documentId: string): Promise<DesiredState | null> {
    const raw = await this.redis.hget(this.key(collection, 'desired'), documentId);
    if (raw === null) return null;
    const bar = raw.indexOf('|');
    const seq = bar > 0 ? Number(raw.slice(0, bar)) : NaN;
    // An entry written before submissions were numbered: older than any numbered one.
    return Number.isInteger(seq) ? { seq, target: raw.slice(bar + 1) } : { seq: 0, target: raw };
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
   * Admission of an ingest or delete job: a per-document lock, so two jobs for one document
   * never interleave (the owner is the job id, so a retried job takes its own lock back at
   * once), refused while a re-embedding of the collection runs.
   */
  async admitWrite(
    collection: string,
    documentId: string,
    owner: string,
    ttlMs: number,
  ): Promise<WriteAdmission> {
    const result = await this.redis.eval(
      ADMIT_WRITE,
      3,
      this.lockKey(collection, documentId),
      this.key(collection, 'writers'),
      this.key(collection, 'migration'),
      owner,
      String(ttlMs),
      String(Date.now()),
    );
    return result === 1 ? 'admitted' : result === 2 ? 'migrating' : 'locked';
  }

  /** Keeps an admitted write's lock (and its place among the writers) alive. */
  async renewWrite(
    collection: string,
    documentId: string,
    owner: string,
    ttlMs: number,
  ): Promise<void> {
    await this.redis.eval(
      RENEW_WRITE,
      2,
      this.lockKey(collection, documentId),
      this.key(collection, 'writers'),
      owner,
      String(ttlMs),
      String(Date.now()),
    );
  }

  async releaseWrite(collection: string, documentId: string, owner: string): Promise<void> {
    await this.redis.eval(
      RELEASE_WRITE,
      2,
      this.lockKey(collection, documentId),
      this.key(collection, 'writers'),
      owner,
    );
  }

  /** Admitted writes still going on (a crashed writer drops out when its lock expires). */
  async activeWrites(collection: string): Promise<number> {
    const key = this.key(collection, 'writers');
    const replies = await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', Date.now())
      .zcard(key)
      .exec();
    return Number(replies?.[1]?.[1] ?? 0);
  }

  async getMigration(collection: string): Promise<MigrationRecord | null> {
    const [jobId, phase, data] = await this.redis.hmget(
      this.key(collection, 'migration'),
      'jobId',
      'phase',
      'data',
    );
    return decodeMigration(jobId, phase, data);
  }

  /**
   * Records `migration` unless another one is recorded (one with the same job id, or the one
   * named by `replacing`, is overwritten). Returns the migration recorded afterwards:
   * `migration` itself when it was recorded. A `running` one holds writes back for `ttlMs`,
   * and as long as `renewMigration` keeps extending that.
   */
  async claimMigration(
    collection: string,
    migration: MigrationRecord,
    options: { replacing?: string; ttlMs?: number } = {},
  ): Promise<MigrationRecord> {
    const { jobId, phase, ...rest } = migration;
    const reply = (await this.redis.eval(
      CLAIM_MIGRATION,
      1,
      this.key(collection, 'migration'),
      jobId,
      phase,
      JSON.stringify(rest),
      options.replacing ?? '',
      String(Date.now() + (options.ttlMs ?? 0)),
    )) as (string | null)[];
    const recorded = decodeMigration(reply[0], reply[1], reply[2]);
    if (!recorded) throw new Error(`migration of '${collection}' was not recorded`);
    return recorded;
  }

  /** Extends a running migration's hold on writes; false when it is no longer this job's. */
  async renewMigration(collection: string, jobId: string, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(
      RENEW_MIGRATION,
      1,
      this.key(collection, 'migration'),
      jobId,
      String(Date.now() + ttlMs),
    );
    return result === 1;
  }

  /** Ends a migration that did not switch the collection (its job failed for good). */
  async releaseMigration(collection: string, jobId: string): Promise<void> {
    await this.redis.eval(RELEASE_MIGRATION, 1, this.key(collection, 'migration'), jobId);
  }

  /**
   * Switches a collection to its re-embedded data: `next` replaces `current` (unless the record
   * changed meanwhile), the migration ends and the version goes up (every cached search of the
   * collection stops matching), all at once. Returns the new version.
   */
  async switchCollection(
    current: CollectionRecord,
    next: CollectionRecord,
    jobId: string,
  ): Promise<number> {
    const result = await this.redis.eval(
      SWITCH_COLLECTION,
      3,
      this.recordKey(current.name),
      this.key(current.name, 'migration'),
      this.key(current.name, 'version'),
      current.name,
      jobId,
      JSON.stringify(current),
      JSON.stringify(next),
      this.eventsChannel,
    );
    if (result === -1) {
      throw new Error(`the re-embedding of '${current.name}' is no longer job ${jobId}'s`);
    }
    if (result === -2) {
      throw new Error(`collection '${current.name}' changed during its re-embedding`);
    }
    return Number(result);
  }
}

function decodeMigration(
  jobId: string | null | undefined,
  phase: string | null | undefined,
  data: string | null | undefined,
): MigrationRecord | null {
  if (!jobId || !data || (phase !== 'queued' && phase !== 'running')) return null;
  const rest = JSON.parse(data) as Omit<MigrationRecord, 'jobId' | 'phase'>;
  return { ...rest, jobId, phase };
}
