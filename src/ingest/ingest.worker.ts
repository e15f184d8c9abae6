import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { CatalogService } from '../catalog/catalog.service';
import { throttledWarning } from '../common/throttled-warning';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { createWorker, onJobTimes } from '../queues/worker-factory';
import { whenReady } from '../redis/redis-connection';
import { isRedisUnavailable } from '../redis/redis-errors';
import { REDIS } from '../redis/redis.module';
import { IngestPipelineService } from './ingest-pipeline.service';
import { INGEST_QUEUE, IngestJobData, IngestJobResult } from './ingest.types';

const LOCK_TTL_MS = 60_000;
const LOCK_RENEW_MS = 20_000;
const OUTAGE_RECHECK_MS = 250;

/**
 * Consumes the ingest queue. Jobs for one document never interleave (a per-document lock),
 * and a job whose submission has been overtaken by a later one for the same document does
 * nothing: the later submission wins, whatever order the jobs run in.
 */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IngestWorker');
  private readonly warnConnection = throttledWarning((m) => this.logger.warn(m));
  private worker?: Worker<IngestJobData, IngestJobResult>;

  constructor(
    private readonly pipeline: IngestPipelineService,
    private readonly catalog: CatalogService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<IngestJobData, IngestJobResult>(
      this.config,
      INGEST_QUEUE,
      (job, token) => this.process(job, token),
      { concurrency: this.config.ingest.concurrency },
    );
    this.worker.on('failed', (job, error) => this.onFailed(job, error));
    onJobTimes(this.worker, (waitMs, runMs) => this.monitor.recordJob(INGEST_QUEUE, waitMs, runMs));
    this.worker.on('error', (error) => this.warnConnection(`worker error: ${error.message}`));
  }

  get concurrency(): number {
    return this.worker?.concurrency ?? 0;
  }

  set concurrency(value: number) {
    if (this.worker) this.worker.concurrency = value;
  }

  /**
   * A Redis outage is not the job's fault, so it does not spend one of its attempts: the job
   * waits for the catalog's connection to be back (up to half its lock time in all) and then
   * runs again from the start, which is safe (the same lock owner; chunks already stored are
   * skipped). A longer outage fails the attempt as usual, to be retried with backoff.
   */
  async process(
    job: Job<IngestJobData, IngestJobResult>,
    token?: string,
  ): Promise<IngestJobResult> {
    const deadline = Date.now() + this.config.ingest.lockMs / 2;
    for (;;) {
      try {
        return await this.processOnce(job, token);
      } catch (err) {
        if (!isRedisUnavailable(err) || Date.now() >= deadline) throw err;
        // the connection may not have noticed yet that Redis is gone
        await new Promise((r) => setTimeout(r, OUTAGE_RECHECK_MS));
        if (!(await whenReady(this.redis, deadline - Date.now()))) throw err;
        this.logger.log(
          `job ${job.id} met a Redis outage (${(err as Error).message}); running it again`,
        );
      }
    }
  }

  private async processOnce(
    job: Job<IngestJobData, IngestJobResult>,
    token?: string,
  ): Promise<IngestJobResult> {
    const { collection, documentId } = job.data;
    const owner = String(job.id);
    if (!(await this.catalog.getCollection(collection))) {
      throw new UnrecoverableError(`collection '${collection}' does not exist (deleted?)`);
    }
    if (!(await this.catalog.tryLockDocument(collection, documentId, owner, LOCK_TTL_MS))) {
      await job.moveToDelayed(Date.now() + 200 + Math.floor(Math.random() * 300), token);
      throw new DelayedError();
    }
    const renew = setInterval(() => {
      void this.catalog
        .tryLockDocument(collection, documentId, owner, LOCK_TTL_MS)
        .catch(() => undefined);
    }, LOCK_RENEW_MS);
    try {
      const desired = await this.catalog.getDesired(collection, documentId);
      if (desired !== job.data.target) {
        return {
          documentId,
          chunksAdded: 0,
          chunksUpdated: 0,
          chunksSkipped: 0,
          chunksDeleted: 0,
          superseded: true,
          timings: {},
        };
      }
      await job.updateProgress(1);
      return job.data.op === 'delete'
        ? await this.pipeline.delete(job.data)
        : await this.pipeline.upsert(job.data, (p) => job.updateProgress(p));
    } finally {
      clearInterval(renew);
      await this.catalog.unlockDocument(collection, documentId, owner).catch(() => undefined);
    }
  }

  private onFailed(job: Job<IngestJobData> | undefined, error: Error): void {
    if (!job) return;
    const where = `${job.data.collection}/${job.data.documentId}`;
    const exhausted =
      job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    this.metrics.countJobFailure(INGEST_QUEUE, exhausted);
    if (exhausted) {
      this.logger.error(
        `job ${job.id} (${where}) failed after ${job.attemptsMade} attempt(s): ${error.message}`,
      );
    } else {
      this.logger.warn(
        `job ${job.id} (${where}) attempt ${job.attemptsMade} failed, retrying: ${error.message}`,
      );
    }
  }

  /**
   * Stops taking jobs and waits for active ones (up to the shutdown timeout). Runs before any
   * onApplicationShutdown hook, so the model pool, store and Redis are still there meanwhile.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const worker = this.worker;
    const timeout = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), this.config.shutdownTimeoutMs).unref(),
    );
    const closed = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
    if (closed === 'timeout') {
      this.logger.warn(
        'active ingest jobs did not finish in time; they will be retried by another worker',
      );
      await worker.close(true);
    }
  }
}
