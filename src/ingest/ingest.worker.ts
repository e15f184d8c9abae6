import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import Redis from 'ioredis';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { WriteAdmissions } from '../catalog/write-admission';
import { metadataProblem } from '../common/metadata';
import { throttledWarning } from '../common/throttled-warning';
import { CrashIsolation } from '../queues/crash-isolation';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { TUNABLE } from '../monitor/tunables';
import { createWorker, drainWorker, onJobTimes, RaglineWorker } from '../queues/worker-factory';
import { CircuitOpenError, isCircuitOpenError } from '../resilience/circuit-breaker';
import { CircuitBreakers, embedderDependency, STORE_WRITES } from '../resilience/circuit-breakers';
import { circuitWaitMs, waitsSoFar } from './circuit-wait';
import { DocumentBodies } from './document-bodies';
import { whenReady } from '../redis/redis-connection';
import { isRedisUnavailable } from '../redis/redis-errors';
import { REDIS } from '../redis/redis.module';
import { IngestPipelineService } from './ingest-pipeline.service';
import { JobOutcomes } from '../catalog/job-outcomes';
import { UpsertWork } from './ingest.types';
import { INGEST_QUEUE } from '../queues/queue-names';
import { IngestJobData, IngestJobResult, UpsertJobData } from '../queues/ingest-job';

const LOCK_TTL_MS = 60_000;
const LOCK_RENEW_MS = 20_000;
/** How often a job that waits for a re-embedding looks again (plus up to a second of jitter). */
const MIGRATION_POLL_MS = 1000;

const noChange = (documentId: string): IngestJobResult => ({
  documentId,
  chunksAdded: 0,
  chunksUpdated: 0,
  chunksSkipped: 0,
  chunksDeleted: 0,
  timings: {},
});
const superseded = (documentId: string): IngestJobResult => ({
  ...noChange(documentId),
  superseded: true,
});

/** An upsert ready to run, or the chunk count of the very same content already stored. */
type Prepared = { work: UpsertWork } | { storedChunks: number };
const OUTAGE_RECHECK_MS = 250;

/**
 * Consumes the ingest queue. Jobs for one document never interleave (a per-document lock),
 * and a job whose submission has been overtaken by a later one for the same document does
 * nothing: the later submission wins, whatever order the jobs run in. While a collection is
 * re-embedded its jobs wait, then run against the new data with the new embedder.
 */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IngestWorker');
  private readonly warnConnection = throttledWarning((m) => this.logger.warn(m));
  private worker?: RaglineWorker<IngestJobData, IngestJobResult>;
  private readonly isolation = new CrashIsolation();

  constructor(
    private readonly pipeline: IngestPipelineService,
    private readonly collectionRecords: CollectionRecords,
    private readonly documentRecords: DocumentRecords,
    private readonly writeAdmissions: WriteAdmissions,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
    private readonly bodies: DocumentBodies,
    private readonly breakers: CircuitBreakers,
    private readonly outcomes: JobOutcomes,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<IngestJobData, IngestJobResult>(
      this.config,
      INGEST_QUEUE,
      (job, token) => this.process(job, token),
      { concurrency: this.config.ingest.concurrency },
    );
    this.worker.on('failed', (job, error) => this.onFailed(job, error));
    this.outcomes.recordFrom(this.worker);
    onJobTimes(this.worker, (waitMs, runMs) => this.monitor.recordJob(INGEST_QUEUE, waitMs, runMs));
    this.worker.on('error', (error) => this.warnConnection(`worker error: ${error.message}`));
    const worker = this.worker;
    this.monitor.registerTunable({
      name: TUNABLE.ingestConcurrency,
      get: () => worker.concurrency,
      set: (v) => (worker.concurrency = v),
      min: 1,
      max: Math.max(64, this.config.ingest.concurrency),
      baseline: this.config.ingest.concurrency,
    });
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
    const suspect = job.stalledCounter > 0;
    if (!(suspect ? this.isolation.enterSuspect() : this.isolation.enterRegular())) {
      await job.moveToDelayed(Date.now() + 250 + Math.floor(Math.random() * 500), token);
      throw new DelayedError();
    }
    if (suspect) this.logger.warn(`job ${job.id} stalled before (its worker died?): it runs alone`);
    try {
      return await this.processWithOutageRetry(job, token);
    } finally {
      if (suspect) this.isolation.leaveSuspect();
      else this.isolation.leaveRegular();
    }
  }

  private async processWithOutageRetry(
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

  /**
   * Whether the job is still its document's latest requested state (later submission wins).
   * A newer entry means a later submission exists; no entry, or an older one, means this
   * job's producer did not get to record it (Redis failed between the add and the record):
   * the job was accepted, so it records itself and runs.
   */
  private async isLatest(data: IngestJobData): Promise<boolean> {
    const desired = await this.writeAdmissions.getDesired(data.collection, data.documentId);
    if (desired?.target === data.target) return true;
    const seq = data.seq ?? 0;
    if (desired && desired.seq >= seq) return false;
    await this.writeAdmissions.recordDesired(
      data.collection,
      new Map([[data.documentId, { seq, target: data.target }]]),
    );
    const recorded = await this.writeAdmissions.getDesired(data.collection, data.documentId);
    return recorded?.target === data.target;
  }

  private async processOnce(
    job: Job<IngestJobData, IngestJobResult>,
    token?: string,
  ): Promise<IngestJobResult> {
    const { collection, documentId } = job.data;
    if (job.data.op === 'upsert' && job.data.metadata !== undefined) {
      // Checked at the door too; jobs queued before a rule tightened must not reach the store.
      const problem = metadataProblem(job.data.metadata);
      if (problem) throw new UnrecoverableError(`invalid document: ${problem}`);
    }
    const owner = String(job.id);
    const admission = await this.writeAdmissions.admitWrite(
      collection,
      documentId,
      owner,
      LOCK_TTL_MS,
    );
    if (admission !== 'admitted') {
      // Waiting spends no attempt: another job holds the document, or a re-embedding of the
      // collection runs (this job then runs against the new data, with the new embedder).
      const [pause, jitter] = admission === 'migrating' ? [MIGRATION_POLL_MS, 1000] : [200, 300];
      await job.moveToDelayed(Date.now() + pause + Math.floor(Math.random() * jitter), token);
      throw new DelayedError();
    }
    const renew = setInterval(() => {
      void this.writeAdmissions
        .renewWrite(collection, documentId, owner, LOCK_TTL_MS)
        .catch(() => undefined);
    }, LOCK_RENEW_MS);
    try {
      // Read once, after admission, and passed on to the pipeline: from here until the lock is
      // released no re-embedding can switch the record (it waits for admitted writes to end).
      const record = await this.collectionRecords.getCollection(collection);
      if (!record) {
        throw new UnrecoverableError(`collection '${collection}' does not exist (deleted?)`);
      }
      if (!(await this.isLatest(job.data))) {
        await this.forgetBody(job.data);
        return superseded(documentId);
      }
      // Work that would be refused anyway waits for the circuit instead (embedding is costly).
      this.breakers.get(STORE_WRITES)?.assertNotOpen();
      this.breakers.get(embedderDependency(record.embedder))?.assertNotOpen();
      await job.updateProgress(1);
      if (job.data.op === 'delete') return await this.pipeline.delete(record, job.data);
      const prepared = await this.withContent(job.data);
      if (!('work' in prepared)) {
        return { ...noChange(documentId), chunksSkipped: prepared.storedChunks };
      }
      const result = await this.pipeline.upsert(record, prepared.work, (p) =>
        job.updateProgress(p),
      );
      await this.forgetBody(job.data);
      return result;
    } catch (error) {
      if (isCircuitOpenError(error)) await this.waitForCircuit(job, error, token);
      throw error;
    } finally {
      clearInterval(renew);
      await this.writeAdmissions.releaseWrite(collection, documentId, owner).catch(() => undefined);
    }
  }

  /**
   * The upsert with its content: inline, or read from its stored body. A missing body is
   * unrecoverable, unless this very content is already stored (an earlier run of this job
   * finished but was not recorded as complete): then there is nothing left to do.
   */
  private async withContent(data: UpsertJobData): Promise<Prepared> {
    const { content, body, ...rest } = data;
    if (content !== undefined) return { work: { ...rest, content } };
    const stored = body ? await this.bodies.read(body) : null;
    if (stored !== null) return { work: { ...rest, content: stored } };
    const current = await this.documentRecords.getDocument(data.collection, data.documentId);
    if (current?.contentHash === data.contentHash) return { storedChunks: current.chunks };
    throw new UnrecoverableError(
      `the document body is missing (${body ? `key ${body.key}, ${body.bytes} bytes` : 'no content or body in the job'}): it expired or was removed; submit the document again`,
    );
  }

  /** A job's stored body is no longer needed once it completed or was overtaken. */
  private async forgetBody(data: IngestJobData): Promise<void> {
    if (data.op !== 'upsert' || !data.body) return;
    await this.bodies
      .remove(data.body)
      .catch((error: Error) =>
        this.logger.warn(`could not remove body ${data.body?.key} (it expires): ${error.message}`),
      );
  }

  /**
   * A dependency's circuit is open: the job waits (delayed) and runs again once trial calls
   * may pass, without using one of its attempts: the job is fine, the dependency is not, and
   * an outage longer than the backoff should not send healthy jobs to the failed list. Failed
   * trial calls still use attempts, so a dependency that stays down ends them there.
   */
  private async waitForCircuit(job: Job, error: CircuitOpenError, token?: string): Promise<never> {
    const waitMs = circuitWaitMs(error, waitsSoFar(job), this.config.breaker.cooldownMs);
    this.logger.debug(`job ${job.id} waits ${waitMs} ms for ${error.dependency}`);
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
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
    if (!(await drainWorker(this.worker, this.config.shutdownTimeoutMs))) {
      this.logger.warn(
        'active ingest jobs did not finish in time; they will be retried by another worker',
      );
    }
  }
}
