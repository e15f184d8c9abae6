import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { IngestJobData, IngestJobResult } from './ingest-job';
import {
  ALL_QUEUES,
  INGEST_QUEUE,
  type QueueName,
  REEMBED_QUEUE,
  SEARCH_QUEUE,
  SOURCES_QUEUE,
  TUNE_QUEUE,
} from './queue-names';
import type { ReembedJobData, ReembedJobResult } from './reembed-job';
import type { SearchJobData, SearchJobResult } from './search-job';
import type { SourcesJobData, SourcesJobResult } from './sources-jobs';
import type { TuneJobData, TuneJobResult } from './tune-job';

/**
 * This process's Queue of every queue (one each, opened by QueuesModule), typed by its jobs:
 * what adds or reads jobs takes its queue from here, and what reads them all (the monitor,
 * Bull Board, the jobs API) goes through `get` and `all`.
 */
@Injectable()
export class JobQueues {
  constructor(
    @InjectQueue(INGEST_QUEUE) readonly ingest: Queue<IngestJobData, IngestJobResult>,
    @InjectQueue(SEARCH_QUEUE) readonly search: Queue<SearchJobData, SearchJobResult>,
    @InjectQueue(REEMBED_QUEUE) readonly reembed: Queue<ReembedJobData, ReembedJobResult>,
    @InjectQueue(TUNE_QUEUE) readonly tune: Queue<TuneJobData, TuneJobResult>,
    @InjectQueue(SOURCES_QUEUE) readonly sources: Queue<SourcesJobData, SourcesJobResult>,
  ) {}

  /** The queue named `name` (each accessor is named after its queue). */
  get(name: QueueName): Queue {
    return this[name];
  }

  /** Every queue, in ALL_QUEUES order. */
  all(): Queue[] {
    return ALL_QUEUES.map((name) => this.get(name));
  }
}
