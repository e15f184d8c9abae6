import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { toJobView } from './job-view';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

describe('toJobView (real Redis)', () => {
  const prefix = uniquePrefix('jobview');
  const connection = { url: REDIS_URL };
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    queue = new Queue('q', { connection, prefix });
    events = new QueueEvents('q', { connection, prefix });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events.close();
    await queue.close();
    await dropPrefix(prefix, REDIS_URL);
  });

  it('shows the result of a job that completed after it was read (no completed-with-null)', async () => {
    const added = await queue.add('x', { collection: 'c' });
    const stale = (await Job.fromId(queue, String(added.id))) as Job;
    expect(stale.finishedOn).toBeUndefined();
    const worker = new Worker('q', async () => ({ answer: 42 }), { connection, prefix });
    try {
      await added.waitUntilFinished(events, 10_000);
    } finally {
      await worker.close();
    }
    const view = await toJobView(stale, queue, { internals: true });
    expect(view).toMatchObject({ state: 'completed', progress: 100, result: { answer: 42 } });
    expect(view.finishedAt).toEqual(expect.any(String));
  });
});
