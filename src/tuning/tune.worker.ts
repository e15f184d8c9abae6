import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { CollectionRecords } from '../catalog/collection-records';
import type { TuneReport } from '../contract';
import { APP_CONFIG, AppConfig } from '../config/config';
import { createWorker, drainWorker, RaglineWorker } from '../queues/worker-factory';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { tuneCollection } from './ef-tuner';
import { searchTuningFrom, storeSearchTuning } from './search-tuning';
import { TUNE_QUEUE } from '../queues/queue-names';
import { TuneJobData } from '../queues/tune-job';

/** Progress is written to Redis at most this often (a tune makes thousands of searches). */
const PROGRESS_EVERY_MS = 500;

/**
 * Consumes the tune queue, one job at a time per worker process: measures the collection
 * (ef-tuner.ts), reporting progress on the job, and with `apply` stores the recommendation on
 * the collection. The report is the job's result (`GET /v1/jobs/:id`).
 */
@Injectable()
export class TuneWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TuneWorker');
  private worker?: RaglineWorker<TuneJobData, TuneReport>;

  constructor(
    private readonly collectionRecords: CollectionRecords,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<TuneJobData, TuneReport>(
      this.config,
      TUNE_QUEUE,
      (job) => this.process(job),
      { concurrency: 1 },
    );
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`tune job ${job?.id ?? '?'} failed: ${error.message}`),
    );
    this.worker.on('error', (error) => this.logger.warn(`worker error: ${error.message}`));
  }

  async process(job: Job<TuneJobData, TuneReport>): Promise<TuneReport> {
    const { collection, params, apply } = job.data;
    const record = await this.collectionRecords.getCollection(collection);
    if (!record)
      throw new UnrecoverableError(`collection '${collection}' does not exist (deleted?)`);
    let lastWritten = 0;
    const onProgress = (fraction: number) => {
      const now = Date.now();
      if (fraction < 1 && now - lastWritten < PROGRESS_EVERY_MS) return;
      lastWritten = now;
      void job.updateProgress(Math.floor(fraction * 100)).catch(() => undefined);
    };
    const report = await tuneCollection(
      this.store,
      { collection, quantization: record.quantization },
      params,
      onProgress,
    );
    const tuning = apply ? searchTuningFrom(report) : null;
    if (tuning) {
      const stored = await storeSearchTuning(this.collectionRecords, collection, tuning);
      if (stored) report.applied = tuning;
      else report.notes.push(`not applied: '${collection}' was deleted while it was measured`);
    } else if (apply) {
      report.notes.push('not applied: there is no recommendation to apply');
    }
    this.logger.log(
      `tuned '${collection}': ${report.summary}${report.applied ? ' (applied)' : ''}`,
    );
    return report;
  }

  /** A tune is long: wait up to the shutdown timeout, then leave it to be retried elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    await drainWorker(this.worker, this.config.shutdownTimeoutMs);
  }
}
