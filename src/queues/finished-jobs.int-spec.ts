import { Queue, QueueEvents, Worker } from 'bullmq';
import { bullConnectionOptions } from '../redis/redis-connection';
import { removeFinishedJobs } from './finished-jobs';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

describe('removeFinishedJobs (real Redis)', () => {
  // A hash-tagged prefix as on a cluster: key names must come from BullMQ, not be built here.
  const prefix = `{${uniquePrefix('finished')}}`;
  const connection = bullConnectionOptions(REDIS_URL);
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    queue = new Queue('finished', { connection, prefix });
    events = new QueueEvents('finished', { connection, prefix });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  });

  afterAll(async () => {
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('lets a completed or failed job id run again, and leaves waiting jobs alone', async () => {
    const worker = new Worker(
      'finished',
      async (job) => {
        if (job.id === 'bad') throw new Error('no');
        return 'ok';
      },
      { connection, prefix },
    );
    const done = await queue.add('j', {}, { jobId: 'done' });
    const bad = await queue.add('j', {}, { jobId: 'bad' });
    await done.waitUntilFinished(events);
    await expect(bad.waitUntilFinished(events)).rejects.toThrow('no');
    await worker.close();
    await queue.add('j', {}, { jobId: 'queued' });

    await removeFinishedJobs(queue, ['done', 'bad', 'queued', 'unknown']);

    expect(await queue.getJob('done')).toBeUndefined();
    expect(await queue.getJob('bad')).toBeUndefined();
    expect(await queue.getJobState('queued')).toBe('waiting');
    // The same id is a new job now, not an ignored duplicate.
    await queue.add('j', { again: true }, { jobId: 'done' });
    expect((await queue.getJob('done'))?.data).toEqual({ again: true });
  });
});
