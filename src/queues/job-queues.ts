import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { INGEST_QUEUE } from '../ingest/ingest.types';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { REEMBED_QUEUE } from '../reembed/reembed.types';
import { SEARCH_QUEUE } from '../search/search.constants';
import { SOURCES_QUEUE } from '../sources/sources.types';
import { TUNE_QUEUE } from '../tuning/tune.types';
import { ALL_QUEUES, type QueueName } from './queue-names';

/**
 * This process's Queue of every queue (one each, opened by QueuesModule), for what reads them
 * all: the monitor counts them, /metrics tracks their failures, Bull Board shows them.
 */
@Injectable()
export class JobQueues implements OnApplicationBootstrap {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(
    @InjectQueue(INGEST_QUEUE) ingest: Queue,
    @InjectQueue(SEARCH_QUEUE) search: Queue,
    @InjectQueue(REEMBED_QUEUE) reembed: Queue,
    @InjectQueue(TUNE_QUEUE) tune: Queue,
    @InjectQueue(SOURCES_QUEUE) sources: Queue,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
  ) {
    const byName = new Map<QueueName, Queue>();
    for (const queue of [ingest, search, reembed, tune, sources]) {
      byName.set(queue.name as QueueName, queue);
    }
    this.queues = byName;
  }

  get(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue '${name}'`);
    return queue;
  }

  /** Every queue, in ALL_QUEUES order. */
  all(): Queue[] {
    return ALL_QUEUES.map((name) => this.get(name));
  }

  onApplicationBootstrap(): void {
    for (const name of ALL_QUEUES) {
      this.monitor.registerQueue(name, this.get(name));
      this.metrics.trackQueue(name);
    }
  }
}
