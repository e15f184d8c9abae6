import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CollectionRecords } from '../catalog/collection-records';
import type { TuneStarted } from '../contract';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { tuneJobOptions } from '../queues/job-options';
import { storeSearchTuning } from './search-tuning';
import type { TuneBody } from '../contract/tuning';
import { TUNE_QUEUE } from '../queues/queue-names';
import { JobQueues } from '../queues/job-queues';

/**
 * The API side of tuning: a tune runs as a job on the tune queue (any worker process takes it;
 * its progress and report are the job's), at most one waiting or running per collection.
 */
@Injectable()
export class TuneService {
  constructor(
    private readonly queues: JobQueues,
    private readonly collectionRecords: CollectionRecords,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(collection: string, body: TuneBody): Promise<TuneStarted> {
    if (!(await this.collectionRecords.getCollection(collection))) {
      throw ApiError.notFound(`collection '${collection}'`);
    }
    const { apply, ...params } = body;
    const jobId = `tune-${collection}-${randomUUID()}`;
    let job;
    try {
      job = await this.queues.tune.add(
        'tune',
        {
          collection,
          params: {
            samples: params.samples,
            efs: params.ef,
            target: params.target,
            floor: params.floor,
          },
          apply,
        },
        // While one tune of this collection waits or runs, asking again returns that job.
        tuneJobOptions(this.config.ingest, collection, jobId),
      );
    } catch (err) {
      throw ApiError.unavailable(`tune queue unavailable: ${(err as Error).message}`);
    }
    const id = String(job.id);
    return { job: { id, queue: TUNE_QUEUE }, alreadyRunning: id !== jobId };
  }

  /** Removes a collection's tuning: its searches use the process-wide ef again. */
  async clear(collection: string): Promise<void> {
    if (!(await storeSearchTuning(this.collectionRecords, collection, null))) {
      throw ApiError.notFound(`collection '${collection}'`);
    }
  }
}
