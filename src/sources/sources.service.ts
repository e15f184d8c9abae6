import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CollectionsService } from '../collections/collections.service';
import { AcceptedJob, IngestProducerService } from '../ingest/ingest-producer.service';
import { orUnavailable } from '../redis/redis-errors';
import { SourceRepository } from './source-repository';
import { CreateSourceBody, repeatOf } from './sources.schemas';
import { schedulerIdOf, SourceRecord } from './sources.types';
import { SOURCES_QUEUE } from '../queues/queue-names';
import { SyncJobData } from '../queues/sources-jobs';
import { JobQueues } from '../queues/job-queues';
import { syncJobOptions } from '../queues/job-options';

export interface SyncStarted {
  job: { id: string; queue: typeof SOURCES_QUEUE };
  /** True when a sync of the source was already waiting or running: that job is returned. */
  alreadyRunning: boolean;
}

/** A source as the API shows it: header values hidden (they often carry credentials). */
export function publicSource(record: SourceRecord): SourceRecord {
  if (!record.headers) return record;
  return {
    ...record,
    headers: Object.fromEntries(Object.keys(record.headers).map((k) => [k, '***'])),
  };
}

/** The API side of sources: records in Redis, syncs as jobs on the sources queue. */
@Injectable()
export class SourcesService {
  constructor(
    private readonly queues: JobQueues,
    private readonly repo: SourceRepository,
    private readonly collections: CollectionsService,
    private readonly producer: IngestProducerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    collection: string,
    body: CreateSourceBody,
  ): Promise<{ source: SourceRecord } & SyncStarted> {
    await this.collections.require(collection);
    const record: SourceRecord = {
      id: `${collection}.${randomBytes(6).toString('hex')}`,
      collection,
      createdAt: new Date().toISOString(),
      ...body,
    };
    await orUnavailable('sources', () => this.repo.save(record));
    if (record.schedule) {
      let first: string | undefined;
      try {
        first = await this.schedule(record);
      } catch (err) {
        await this.repo.remove(collection, record.id).catch(() => undefined);
        throw ApiError.badRequest(`schedule: ${(err as Error).message}`);
      }
      if (first) {
        return {
          source: publicSource(record),
          job: { id: first, queue: SOURCES_QUEUE },
          alreadyRunning: false,
        };
      }
    }
    const started = await this.sync(collection, record.id, 'create');
    return { source: publicSource(record), ...started };
  }

  /**
   * Puts the source's job scheduler in place. An interval's first run is due at once, and is
   * then the source's first sync (its job id is returned); a cron's is at its next time.
   */
  private async schedule(record: SourceRecord): Promise<string | undefined> {
    const repeat = repeatOf(record.schedule as string);
    const data: SyncJobData = {
      collection: record.collection,
      sourceId: record.id,
      trigger: 'schedule',
    };
    const job = await this.queues.sources.upsertJobScheduler(schedulerIdOf(record.id), repeat, {
      name: 'sync',
      data,
      opts: syncJobOptions(this.config.ingest),
    });
    return 'every' in repeat && job?.id ? String(job.id) : undefined;
  }

  async list(collection: string): Promise<SourceRecord[]> {
    await this.collections.require(collection);
    const all = await orUnavailable('sources', () => this.repo.list(collection));
    return all.map(publicSource);
  }

  async get(collection: string, id: string): Promise<SourceRecord> {
    const record = await orUnavailable('sources', () => this.repo.get(collection, id));
    if (!record) throw ApiError.notFound(`source '${id}' of collection '${collection}'`);
    return publicSource(record);
  }

  /** Starts a sync, or returns the one already waiting or running for this source. */
  async sync(
    collection: string,
    id: string,
    trigger: SyncJobData['trigger'] = 'manual',
  ): Promise<SyncStarted> {
    await this.get(collection, id);
    const jobId = `sync-${id}-${randomUUID()}`;
    const job = await orUnavailable('sources queue', () =>
      this.queues.sources.add(
        'sync',
        { collection, sourceId: id, trigger },
        { ...syncJobOptions(this.config.ingest), jobId, deduplication: { id: `sync-${id}` } },
      ),
    );
    const actual = String(job.id);
    return { job: { id: actual, queue: SOURCES_QUEUE }, alreadyRunning: actual !== jobId };
  }

  /** Removes the source and its schedule; with `documents: 'delete'`, also its documents. */
  async remove(
    collection: string,
    id: string,
    documents: 'keep' | 'delete',
  ): Promise<{ jobs: AcceptedJob[] }> {
    await this.get(collection, id);
    const pages = await this.repo.pages(id);
    await orUnavailable('sources queue', () =>
      this.queues.sources.removeJobScheduler(schedulerIdOf(id)),
    );
    await this.repo.remove(collection, id);
    if (documents === 'keep') return { jobs: [] };
    const ids = [...new Set([...pages.values()].map((p) => p.documentId))];
    const jobs: AcceptedJob[] = [];
    for (const documentId of ids) jobs.push(await this.producer.delete(collection, documentId));
    return { jobs };
  }
}
