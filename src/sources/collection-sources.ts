import { Injectable } from '@nestjs/common';
import { SourceRepository } from './source-repository';
import { schedulerIdOf } from './sources.types';
import { JobQueues } from '../queues/job-queues';

/**
 * What a collection's delete does to its sources: removes each one and its job scheduler at
 * once, so no scheduled sync fires for a collection that is gone (or, if the name is created
 * again, fills the new one). A sync already queued finds its source gone and is skipped.
 */
@Injectable()
export class CollectionSources {
  constructor(
    private readonly queues: JobQueues,
    private readonly repo: SourceRepository,
  ) {}

  /** Removes every source of `collection` with its schedule; returns how many there were. */
  async removeAll(collection: string): Promise<number> {
    const sources = await this.repo.list(collection);
    for (const source of sources) {
      await this.queues.sources.removeJobScheduler(schedulerIdOf(source.id));
      await this.repo.remove(collection, source.id);
    }
    await this.repo.forgetUrlDocuments(collection);
    return sources.length;
  }
}
