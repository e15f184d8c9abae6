import { Job, Queue } from 'bullmq';
import { loadConfig } from '../config/config';
import { bullConnectionOptions } from '../redis/redis-connection';
import { createWorker, drainWorker, RaglineWorker } from './worker-factory';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';
import { waitFor } from '../common/testing/wait-for';

const QUEUE = 'drain';

/** Polls `check` every 25 ms until it holds. */
const until = (check: () => Promise<boolean> | boolean, what: string, timeoutMs: number) =>
  waitFor(async () => check(), what, timeoutMs, 25);

/** drainWorker against real Redis and real BullMQ workers. */
describe('drainWorker', () => {
  const prefix = uniquePrefix('drain');
  const config = loadConfig({
    REDIS_URL,
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_JOB_LOCK_MS: '1000',
    RAGLINE_STALLED_INTERVAL_MS: '500',
  });
  const workers: RaglineWorker[] = [];
  let queue: Queue;

  function worker(processor: (job: Job) => Promise<unknown>): RaglineWorker {
    const w = createWorker<unknown, unknown>(config, QUEUE, processor);
    w.on('error', () => undefined);
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    queue = new Queue(QUEUE, { connection: bullConnectionOptions(REDIS_URL), prefix });
    await queue.waitUntilReady();
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.forceClose()));
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('waits for an active job that finishes within the timeout', async () => {
    const w = worker(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 'done';
    });
    const job = await queue.add('quick', {});
    await until(async () => (await job.getState()) === 'active', 'the job to start', 5000);
    await expect(drainWorker(w, 5000)).resolves.toBe(true);
    expect(await queue.getJobState(String(job.id))).toBe('completed');
  });

  it('forces the close at the timeout when a job never finishes, and the job is retried elsewhere', async () => {
    let started = 0;
    const stuck = worker(() => {
      started++;
      return new Promise<never>(() => undefined);
    });
    const job = await queue.add('endless', {}, { attempts: 1 });
    await until(() => started === 1, 'the endless job to start', 5000);

    const timeoutMs = 400;
    const t0 = Date.now();
    await expect(drainWorker(stuck, timeoutMs)).resolves.toBe(false);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(took).toBeLessThan(timeoutMs + 500);
    // Its connections are gone: it neither takes jobs nor renews the stuck job's lock.
    expect((await stuck.client).status).toBe('end');

    // So the lock expires and another worker gets the job back from the stalled check.
    const rescued: string[] = [];
    worker(async (j) => {
      rescued.push(String(j.id));
      return 'rescued';
    });
    await until(
      async () => (await queue.getJobState(String(job.id))) === 'completed',
      'the rescued job to complete',
      10_000,
    );
    expect(rescued).toEqual([String(job.id)]);
    expect(started).toBe(1);
  }, 20_000);
});

/** What Bull Board draws: the progress stored with each completed job. */
describe('createWorker: progress at completion', () => {
  const prefix = uniquePrefix('progress');
  const config = loadConfig({ REDIS_URL, RAGLINE_QUEUE_PREFIX: prefix });
  const queues: Queue[] = [];
  const workers: RaglineWorker<{ report: number[] }, string>[] = [];

  async function queueWith(
    name: string,
    options: Parameters<typeof createWorker>[3] = {},
  ): Promise<Queue> {
    const queue = new Queue(name, { connection: bullConnectionOptions(REDIS_URL), prefix });
    await queue.waitUntilReady();
    queues.push(queue);
    const worker = createWorker<{ report: number[] }, string>(
      config,
      name,
      async (job) => {
        for (const p of job.data.report) await job.updateProgress(p);
        return 'done';
      },
      options,
    );
    worker.on('error', () => undefined);
    workers.push(worker);
    return queue;
  }

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.forceClose()));
    for (const queue of queues) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  async function finished(queue: Queue, report: number[]): Promise<Job> {
    const job = await queue.add('p', { report });
    await until(async () => (await job.getState()) === 'completed', 'the job to complete', 10_000);
    return (await Job.fromId(queue, String(job.id))) as Job;
  }

  it('ends every job at 100 by default, whatever it reported on the way', async () => {
    const queue = await queueWith('progress-always');
    expect((await finished(queue, [10, 60])).progress).toBe(100);
    expect((await finished(queue, [])).progress).toBe(100);
  });

  it("leaves a search-like job's progress as reported with 'never' (no write)", async () => {
    const queue = await queueWith('progress-never', { progressAtCompletion: 'never' });
    expect((await finished(queue, [])).progress).toBe(0);
  });
});
