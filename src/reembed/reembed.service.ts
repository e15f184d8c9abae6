import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MigrationClaims } from '../catalog/migration-claims';
import { MigrationRecord, storeNameOf } from '../catalog/catalog.types';
import { ApiError } from '../common/api-error';
import { CollectionsService } from '../collections/collections.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { retriedJobOptions } from '../queues/job-options';
import { ActiveMigrations } from './active-migrations';
import { ReembedAccepted } from './reembed.types';
import { ReembedJobData } from '../queues/reembed-job';
import { JobQueues } from '../queues/job-queues';

/** Validates a re-embedding request and enqueues its job (the API side of re-embedding). */
@Injectable()
export class ReembedService {
  constructor(
    private readonly queues: JobQueues,
    private readonly collections: CollectionsService,
    private readonly migrationClaims: MigrationClaims,
    private readonly embedders: EmbedderRegistry,
    private readonly migrations: ActiveMigrations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Asking again for the re-embedding underway answers its job; asking for the embedder the
   * collection already uses (and nothing underway) changes nothing.
   */
  async request(collection: string, embedderId: string): Promise<ReembedAccepted> {
    const record = await this.collections.require(collection);
    const target = this.embedders.describe(embedderId);
    if (!target) {
      throw ApiError.badRequest(
        `embedder: unknown embedder '${embedderId}'; available: ${this.embedders.available().join(', ')}`,
      );
    }
    const answer = (status: ReembedAccepted['status'], jobId?: string): ReembedAccepted => ({
      job: jobId ? { id: jobId } : null,
      collection,
      from: record.embedder,
      to: target.id,
      status,
    });
    const underway = await this.migrations.of(collection);
    if (underway) return this.alreadyUnderway(underway, target.id, answer);
    if (target.id === record.embedder) return answer('unchanged');

    const jobId = `reembed-${randomUUID()}`;
    const storeName = `${collection}.${jobId.slice('reembed-'.length, 'reembed-'.length + 8)}`;
    const requestedAt = Date.now();
    const migration: MigrationRecord = {
      jobId,
      phase: 'queued',
      embedder: target.id,
      dimensions: target.dimensions,
      storeName,
      requestedAt: new Date(requestedAt).toISOString(),
    };
    const recorded = await this.migrationClaims.claimMigration(collection, migration);
    if (recorded.jobId !== jobId) return this.alreadyUnderway(recorded, target.id, answer);
    const data: ReembedJobData = {
      collection,
      from: {
        embedder: record.embedder,
        dimensions: record.dimensions,
        storeName: storeNameOf(record),
      },
      to: { embedder: target.id, dimensions: target.dimensions, storeName },
      requestedAt,
    };
    try {
      await this.queues.reembed.add('reembed', data, {
        ...retriedJobOptions(this.config.ingest),
        jobId,
      });
    } catch (err) {
      await this.migrationClaims.releaseMigration(collection, jobId).catch(() => undefined);
      throw ApiError.unavailable(`re-embed queue unavailable: ${(err as Error).message}`);
    }
    return answer('queued', jobId);
  }

  private alreadyUnderway(
    underway: MigrationRecord,
    embedder: string,
    answer: (status: ReembedAccepted['status'], jobId?: string) => ReembedAccepted,
  ): ReembedAccepted {
    if (underway.embedder === embedder) return answer('running', underway.jobId);
    throw ApiError.conflict(
      `a re-embedding to '${underway.embedder}' is underway (job ${underway.jobId}); wait until it ends`,
      { jobId: underway.jobId, embedder: underway.embedder },
    );
  }
}
