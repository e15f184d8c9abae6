import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { CollectionRecords } from '../catalog/collection-records';
import { APP_CONFIG, AppConfig } from '../config/config';
import { createWorker, drainWorker, RaglineWorker } from '../queues/worker-factory';
import { type Politeness, POLITENESS } from './fetch/host-politeness';
import { SafeFetcher } from './fetch/safe-fetcher';
import { IngestHandoff } from './ingest-handoff';
import { SourceRepository, SYNC_LOCK_MS } from './source-repository';
import { DiscoveryFailed, SourceSync } from './source-sync';
import { schedulerIdOf, SyncSkipped, SyncSummary } from './sources.types';
import { URL_JOB, UrlDocumentFetch } from './url-documents';
import { SOURCES_QUEUE } from '../queues/queue-names';
import { SyncJobData, UrlJobData, UrlJobResult } from '../queues/sources-jobs';
import { JobQueues } from '../queues/job-queues';

type SyncResult = SyncSummary | SyncSkipped | UrlJobResult;

/** How soon a requested sync looks again while another sync of its source runs. */
const LOCKED_RETRY_MS = 2000;

/**
 * Consumes the sources queue: one sync per source at a time (a lock in Redis, renewed while
 * the sync runs; a scheduled sync that finds it taken is skipped), progress on the job and on
 * the source record, the summary as the job's result.
 */
@Injectable()
export class SourcesWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SourcesWorker');
  private worker?: RaglineWorker<SyncJobData, SyncResult>;

  constructor(
    private readonly queues: JobQueues,
    private readonly repo: SourceRepository,
    private readonly collectionRecords: CollectionRecords,
    private readonly fetcher: SafeFetcher,
    @Inject(POLITENESS) private readonly politeness: Politeness,
    private readonly handoff: IngestHandoff,
    private readonly urlDocuments: UrlDocumentFetch,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<SyncJobData, SyncResult>(
      this.config,
      SOURCES_QUEUE,
      (job, token) => this.process(job, token),
      { concurrency: this.config.sources.concurrency },
    );
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`sources job ${job?.id ?? '?'} failed: ${error.message}`),
    );
    this.worker.on('error', (error) => this.logger.warn(`worker error: ${error.message}`));
  }

  async process(job: Job<SyncJobData, SyncResult>, token?: string): Promise<SyncResult> {
    if (job.name === URL_JOB) return this.urlDocuments.process(job as unknown as Job<UrlJobData>);
    const { collection, sourceId } = job.data;
    const jobId = String(job.id);
    const source = await this.repo.get(collection, sourceId);
    if (!source || !(await this.collectionRecords.getCollection(collection))) {
      // Deleted (with its collection, perhaps) after this job was queued: stop its schedule.
      await this.queues.sources.removeJobScheduler(schedulerIdOf(sourceId));
      if (source) await this.repo.remove(collection, sourceId);
      return {
        state: 'skipped',
        reason: `source '${sourceId}' or its collection no longer exists`,
      };
    }
    if (!(await this.repo.lock(sourceId, jobId))) {
      // A scheduled run is not needed while another runs; one asked for runs after it.
      if (job.data.trigger === 'schedule' || !token) {
        return { state: 'skipped', reason: 'a sync of this source is already running' };
      }
      await job.moveToDelayed(Date.now() + LOCKED_RETRY_MS, token);
      throw new DelayedError();
    }
    const renew = setInterval(
      () => void this.repo.lock(sourceId, jobId).catch(() => undefined),
      SYNC_LOCK_MS / 3,
    );
    const sync = new SourceSync(
      source,
      jobId,
      this.fetcher,
      this.politeness,
      this.repo,
      this.handoff,
      {
        maxPages: this.config.sources.maxPages,
        concurrency: this.config.fetch.hostConcurrency * 2,
        pdfTimeoutMs: this.config.fetch.timeoutMs,
      },
      async (summary, percent) => {
        await job.updateProgress(percent);
        await this.repo.saveSync(collection, sourceId, summary);
      },
    );
    try {
      const summary = await sync.run();
      await this.repo.saveSync(collection, sourceId, summary);
      this.logger.log(
        `synced ${sourceId}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.deleted} deleted, ${summary.failed} failed`,
      );
      return summary;
    } catch (err) {
      const message = (err as Error).message;
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const refused = err instanceof DiscoveryFailed && !err.retryable;
      if (last || refused) {
        await this.repo
          .saveSync(collection, sourceId, { ...sync.summary('failed'), error: message })
          .catch(() => undefined);
      }
      throw refused ? new UnrecoverableError(message) : err;
    } finally {
      clearInterval(renew);
      await this.repo.unlock(sourceId, jobId).catch(() => undefined);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    await drainWorker(this.worker, this.config.shutdownTimeoutMs);
  }
}
