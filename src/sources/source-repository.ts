import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import type {
  PageOutcome,
  PageState,
  SourceRecord,
  SyncSummary,
  UrlDocumentState,
} from './sources.types';

/** How long a sync's lock lives without renewal (a crashed worker's lock goes after this). */
export const SYNC_LOCK_MS = 60_000;

/**
 * Sources and their per-page state in Redis, under the queue prefix:
 * - `<p>:srcs:<collection>` hash, source id -> record;
 * - `<p>:srcs:pages:<source id>` hash, URL -> what was stored from it (validators, hash);
 * - `<p>:srcs:run:<source id>` hash, URL -> its outcome in the running sync (`.job`: that
 *   sync's job id), so a sync retried after a crash carries on where it stopped;
 * - `<p>:srcs:lock:<source id>`: the job syncing the source (one at a time);
 * - `<p>:srcs:urls:<collection>` hash, document id -> validators of a `url` document.
 */
@Injectable()
export class SourceRepository {
  private readonly base: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = `${config.prefix}:srcs`;
  }

  private sourcesKey(collection: string): string {
    return `${this.base}:${collection}`;
  }

  private pagesKey(sourceId: string): string {
    return `${this.base}:pages:${sourceId}`;
  }

  private runKey(sourceId: string): string {
    return `${this.base}:run:${sourceId}`;
  }

  private lockKey(sourceId: string): string {
    return `${this.base}:lock:${sourceId}`;
  }

  async list(collection: string): Promise<SourceRecord[]> {
    const all = await this.redis.hvals(this.sourcesKey(collection));
    return all
      .map((v) => JSON.parse(v) as SourceRecord)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async get(collection: string, id: string): Promise<SourceRecord | null> {
    const raw = await this.redis.hget(this.sourcesKey(collection), id);
    return raw ? (JSON.parse(raw) as SourceRecord) : null;
  }

  async save(record: SourceRecord): Promise<void> {
    await this.redis.hset(this.sourcesKey(record.collection), record.id, JSON.stringify(record));
  }

  /** Records a sync's summary on its source, unless the source was deleted meanwhile. */
  async saveSync(collection: string, id: string, summary: SyncSummary): Promise<boolean> {
    const record = await this.get(collection, id);
    if (!record) return false;
    await this.save({ ...record, lastSync: summary });
    return true;
  }

  async remove(collection: string, id: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.sourcesKey(collection), id)
      .del(this.pagesKey(id), this.runKey(id))
      .exec();
  }

  async pages(sourceId: string): Promise<Map<string, PageState>> {
    const all = await this.redis.hgetall(this.pagesKey(sourceId));
    return new Map(Object.entries(all).map(([url, v]) => [url, JSON.parse(v) as PageState]));
  }

  /** Records a page's outcome in the running sync and what is now stored from it, together. */
  async recordPage(
    sourceId: string,
    url: string,
    outcome: PageOutcome,
    state: PageState | null | undefined,
  ): Promise<void> {
    const tx = this.redis.multi().hset(this.runKey(sourceId), url, JSON.stringify(outcome));
    if (state === null) tx.hdel(this.pagesKey(sourceId), url);
    else if (state) tx.hset(this.pagesKey(sourceId), url, JSON.stringify(state));
    await tx.exec();
  }

  /**
   * The outcomes already recorded by `jobId`'s sync (a retry of a crashed one), or an empty
   * map after clearing what another, older sync left.
   */
  async beginRun(sourceId: string, jobId: string): Promise<Map<string, PageOutcome>> {
    const key = this.runKey(sourceId);
    const all = await this.redis.hgetall(key);
    if (all['.job'] !== jobId) {
      await this.redis.multi().del(key).hset(key, '.job', jobId).exec();
      return new Map();
    }
    delete all['.job'];
    return new Map(Object.entries(all).map(([url, v]) => [url, JSON.parse(v) as PageOutcome]));
  }

  async endRun(sourceId: string): Promise<void> {
    await this.redis.del(this.runKey(sourceId));
  }

  /** Forgets the validators of every `url` document of a (deleted) collection. */
  async forgetUrlDocuments(collection: string): Promise<void> {
    await this.redis.del(`${this.base}:urls:${collection}`);
  }

  async urlDocument(collection: string, documentId: string): Promise<UrlDocumentState | null> {
    const raw = await this.redis.hget(`${this.base}:urls:${collection}`, documentId);
    return raw ? (JSON.parse(raw) as UrlDocumentState) : null;
  }

  async saveUrlDocument(
    collection: string,
    documentId: string,
    state: UrlDocumentState,
  ): Promise<void> {
    await this.redis.hset(`${this.base}:urls:${collection}`, documentId, JSON.stringify(state));
  }

  /** Takes (or, for the same job, retakes) the source's sync lock. */
  async lock(sourceId: string, jobId: string): Promise<boolean> {
    const key = this.lockKey(sourceId);
    const taken = await this.redis.set(key, jobId, 'PX', SYNC_LOCK_MS, 'NX');
    if (taken) return true;
    if ((await this.redis.get(key)) !== jobId) return false;
    await this.redis.pexpire(key, SYNC_LOCK_MS);
    return true;
  }

  async unlock(sourceId: string, jobId: string): Promise<void> {
    const key = this.lockKey(sourceId);
    if ((await this.redis.get(key)) === jobId) await this.redis.del(key);
  }
}
