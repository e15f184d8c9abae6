import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { MigrationClaims } from '../catalog/migration-claims';
import { MigrationRecord } from '../catalog/catalog.types';
import { JobQueues } from '../queues/job-queues';

/** Job states in which a re-embedding may still change its collection. */
const UNDERWAY = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** A request records its migration just before it adds the job: give it that long to appear. */
const ENQUEUE_GRACE_MS = 60_000;

/**
 * Which collections have a re-embedding underway, as the API needs to know it (one at a time
 * per collection; no delete meanwhile). A migration recorded for a job that is gone or has
 * finished is left over from a crash and is cleared on sight.
 */
@Injectable()
export class ActiveMigrations {
  constructor(
    private readonly queues: JobQueues,
    private readonly migrationClaims: MigrationClaims,
  ) {}

  async of(collection: string): Promise<MigrationRecord | null> {
    const migration = await this.migrationClaims.getMigration(collection);
    if (!migration) return null;
    const job = await Job.fromId(this.queues.reembed, migration.jobId);
    if (job) {
      if (UNDERWAY.has(await job.getState())) return migration;
    } else if (Date.now() - Date.parse(migration.requestedAt) < ENQUEUE_GRACE_MS) {
      return migration;
    }
    await this.migrationClaims.releaseMigration(collection, migration.jobId);
    return null;
  }
}
