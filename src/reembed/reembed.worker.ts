import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { JobOutcomes } from '../catalog/job-outcomes';
import { createWorker, drainWorker, RaglineWorker } from '../queues/worker-factory';
import { CollectionMigration } from './collection-migration.service';
import { REEMBED_QUEUE } from '../queues/queue-names';
import { ReembedJobData, ReembedJobResult } from '../queues/reembed-job';

type ReembedJob = Job<ReembedJobData, ReembedJobResult>;

function isFinalAttempt(job: ReembedJob, error: unknown): boolean {
  return (
    (error instanceof Error && error.name === 'UnrecoverableError') ||
    job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
  );
}

/**
 * Consumes the re-embed queue, one migration at a time per process. A failing attempt is
 * retried with backoff; after the last one the collection keeps its old data (see
 * CollectionMigration.abandon) and the job stays in the failed list with its reason.
 */
@Injectable()
export class ReembedWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReembedWorker');
  private worker?: RaglineWorker<ReembedJobData, ReembedJobResult>;

  constructor(
    private readonly migration: CollectionMigration,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly outcomes: JobOutcomes,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<ReembedJobData, ReembedJobResult>(
      this.config,
      REEMBED_QUEUE,
      (job, token) => this.process(job, token),
      { concurrency: 1 },
    );
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
    this.outcomes.recordFrom(this.worker);
    this.worker.on('error', (error) => this.logger.warn(`worker error: ${error.message}`));
  }

  async process(job: ReembedJob, token?: string): Promise<ReembedJobResult> {
    const id = String(job.id);
    const stillOwner = async () =>
      token === undefined || (await job.extendLock(token, this.config.ingest.lockMs)) === 1;
    try {
      return await this.migration.run(id, job.data, {
        report: (p) => job.updateProgress(p),
        stillOwner,
      });
    } catch (error) {
      // Undone before the job shows as failed, so whoever sees it failed sees the old state back;
      // never by an attempt whose job another worker has taken over.
      if (isFinalAttempt(job, error) && (await stillOwner().catch(() => false))) {
        await this.abandon(job);
      }
      throw error;
    }
  }

  private async onFailed(job: ReembedJob | undefined, error: Error): Promise<void> {
    if (!job) return;
    const where = `${job.data.collection}: ${job.data.from.embedder} -> ${job.data.to.embedder}`;
    const exhausted =
      job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    this.metrics.countJobFailure(REEMBED_QUEUE, exhausted);
    if (!exhausted) {
      this.logger.warn(
        `re-embedding ${job.id} (${where}) attempt ${job.attemptsMade} failed, retrying: ${error.message}`,
      );
      return;
    }
    this.logger.error(
      `re-embedding ${job.id} (${where}) failed after ${job.attemptsMade} attempt(s): ${error.message}; the collection keeps its old embedder`,
    );
    // Also reached by a job that failed without running here (stalled too often).
    await this.abandon(job);
  }

  private async abandon(job: ReembedJob): Promise<void> {
    await this.migration
      .abandon(String(job.id), job.data)
      .catch((err: unknown) =>
        this.logger.error(
          `could not undo the re-embedding ${job.id} of '${job.data.collection}': ${(err as Error).message}`,
        ),
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    if (!(await drainWorker(this.worker, this.config.shutdownTimeoutMs))) {
      this.logger.warn('a re-embedding did not finish in time; it will start over elsewhere');
    }
  }
}
