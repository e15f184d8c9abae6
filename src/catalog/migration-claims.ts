import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { CatalogKeys } from './catalog-keys';
import { CollectionRecord, MigrationRecord } from './catalog.types';

/*
 * Every script below touches the keys of one collection only, all under the collection's hash
 * tag (catalog-keys.ts), so each runs on one slot of a Redis Cluster.
 */

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

/**
 * Claims on re-embedding a collection (one at a time per collection): who holds it, whether it
 * is queued or running (a running one holds new writes back, see WriteAdmissions), and the
 * switch to the re-embedded data that ends it.
 */
@Injectable()
export class MigrationClaims {
  private readonly keys: CatalogKeys;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new CatalogKeys(config.prefix);
  }

  async getMigration(collection: string): Promise<MigrationRecord | null> {
    const [jobId, phase, data] = await this.redis.hmget(
      this.keys.of(collection, 'migration'),
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
      this.keys.of(collection, 'migration'),
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
      this.keys.of(collection, 'migration'),
      jobId,
      String(Date.now() + ttlMs),
    );
    return result === 1;
  }

  /** Ends a migration that did not switch the collection (its job failed for good). */
  async releaseMigration(collection: string, jobId: string): Promise<void> {
    await this.redis.eval(RELEASE_MIGRATION, 1, this.keys.of(collection, 'migration'), jobId);
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
      this.keys.of(current.name, 'record'),
      this.keys.of(current.name, 'migration'),
      this.keys.of(current.name, 'version'),
      current.name,
      jobId,
      JSON.stringify(current),
      JSON.stringify(next),
      this.keys.events,
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
