import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { CatalogKeys } from './catalog-keys';
import { DesiredState } from './catalog.types';

/** What an ingest or delete job finds when it asks to write a document. */
export type WriteAdmission = 'admitted' | 'locked' | 'migrating';

/*
 * Every script below touches the keys of one collection only, all under the collection's hash
 * tag (catalog-keys.ts), so each runs on one slot of a Redis Cluster.
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

/**
 * The order and admission of writes to documents: submissions are numbered, each document's
 * latest requested state ("desired") decides which of several queued jobs for it wins (the one
 * submitted last), and a per-document lock keeps two jobs for one document from interleaving
 * and holds writes back while a re-embedding of the collection runs.
 */
@Injectable()
export class WriteAdmissions {
  private readonly keys: CatalogKeys;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new CatalogKeys(config.prefix);
  }

  /**
   * Numbers for `count` new submissions to the collection, in submission order: a later
   * submission of a document always holds a larger number than an earlier one.
   */
  async nextSubmissions(collection: string, count: number): Promise<number[]> {
    const last = await this.redis.incrby(this.keys.of(collection, 'seq'), count);
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
    await this.redis.eval(RECORD_DESIRED, 1, this.keys.of(collection, 'desired'), ...args);
  }

  async getDesired(collection: string, documentId: string): Promise<DesiredState | null> {
    const raw = await this.redis.hget(this.keys.of(collection, 'desired'), documentId);
    if (raw === null) return null;
    const bar = raw.indexOf('|');
    const seq = bar > 0 ? Number(raw.slice(0, bar)) : NaN;
    // An entry written before submissions were numbered: older than any numbered one.
    return Number.isInteger(seq) ? { seq, target: raw.slice(bar + 1) } : { seq: 0, target: raw };
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
      this.keys.lock(collection, documentId),
      this.keys.of(collection, 'writers'),
      this.keys.of(collection, 'migration'),
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
      this.keys.lock(collection, documentId),
      this.keys.of(collection, 'writers'),
      owner,
      String(ttlMs),
      String(Date.now()),
    );
  }

  async releaseWrite(collection: string, documentId: string, owner: string): Promise<void> {
    await this.redis.eval(
      RELEASE_WRITE,
      2,
      this.keys.lock(collection, documentId),
      this.keys.of(collection, 'writers'),
      owner,
    );
  }

  /** Admitted writes still going on (a crashed writer drops out when its lock expires). */
  async activeWrites(collection: string): Promise<number> {
    const key = this.keys.of(collection, 'writers');
    const replies = await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', Date.now())
      .zcard(key)
      .exec();
    return Number(replies?.[1]?.[1] ?? 0);
  }
}
