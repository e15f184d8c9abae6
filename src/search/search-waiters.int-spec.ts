import { Queue, Worker } from 'bullmq';
import { ApiError } from '../common/api-error';
import { QueueEventsHub } from '../queues/queue-events-hub';
import { AppConfig, loadConfig } from '../config/config';
import { bullConnectionOptions } from '../redis/redis-connection';
import { PrivateRedis } from '../redis/testing/private-redis';
import { closeJobQueues, openJobQueues } from '../queues/testing/job-queues';
import type { JobQueues } from '../queues/job-queues';
import { SearchWaiters } from './search-waiters';
import { SEARCH_QUEUE } from '../queues/queue-names';
import { SearchJobResult } from '../queues/search-job';

const RESULT: SearchJobResult = {
  hits: [],
  timings: { queueMs: 1, embedMs: 2, storeMs: 3, batchSize: 1 },
};
const TIMEOUT_MS = 20_000;

async function settled<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    return { value: await p, ms: Date.now() - t0 };
  } catch (error) {
    return { error, ms: Date.now() - t0 };
  }
}

/** The search waiter map against a real redis-server that the tests kill and restart. */
describe('SearchWaiters when Redis goes away (private redis-server)', () => {
  let redis: PrivateRedis;
  let config: AppConfig;
  let queues: JobQueues;
  let queue: Queue;
  let waiters: SearchWaiters;
  let hub: QueueEventsHub;
  let jobs = 0;

  const nextJobId = () => `search-waiters-${++jobs}`;
  const add = (jobId: string) =>
    queue.add('search', { spec: {}, enqueuedAt: Date.now() }, { jobId, removeOnComplete: false });
  /** A worker that finishes search jobs at once, standing in for the search worker. */
  const finishJobs = () =>
    new Worker(SEARCH_QUEUE, async () => RESULT, {
      connection: bullConnectionOptions(redis.url),
      prefix: config.prefix,
    });

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    config = loadConfig({
      REDIS_URL: redis.url,
      RAGLINE_QUEUE_PREFIX: 'waiters',
      RAGLINE_SEARCH_TIMEOUT_MS: String(TIMEOUT_MS),
      RAGLINE_REDIS_COMMAND_TIMEOUT_MS: '1000',
    });
    queues = openJobQueues(config);
    queue = queues.search;
    hub = new QueueEventsHub(config);
    waiters = new SearchWaiters(queues, config, hub);
    await waiters.onModuleInit();
  });

  afterAll(async () => {
    await waiters?.onApplicationShutdown();
    await hub?.onApplicationShutdown();
    await closeJobQueues(queues);
    await redis?.destroy();
  });

  it('ends a pending wait with 503 soon after Redis dies, not at the timeout', async () => {
    const jobId = nextJobId();
    const waiting = settled(waiters.wait(jobId));
    await add(jobId);
    await redis.stop('SIGKILL');
    const { error, ms } = await waiting;
    expect(ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, headers: { 'retry-after': expect.any(String) } });
    expect((error as ApiError).message).toMatch(/search queue: Redis is unavailable/);
    expect(waiters.pending).toBe(0);
    await redis.restart();
  });

  it('after a restart, waits are answered again (the listener reconnected)', async () => {
    await queue.waitUntilReady();
    const worker = finishJobs();
    try {
      const jobId = nextJobId();
      const waiting = settled(
        (async () => {
          // the producer connection reconnects on its own schedule; a client would retry a 503
          for (;;) {
            const wait = waiters.wait(jobId);
            try {
              await add(jobId);
              return await wait;
            } catch (err) {
              waiters.cancel(jobId);
              await new Promise((r) => setTimeout(r, 200));
              if (!/Redis|Stream|Connection/.test(String(err))) throw err;
            }
          }
        })(),
      );
      const { value, error } = await waiting;
      expect(error).toBeUndefined();
      expect(value).toEqual(RESULT);
    } finally {
      await worker.close();
    }
  });

  it('answers 504 at the timeout, and hands the result of a job still running to onLate', async () => {
    const jobId = nextJobId();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const slow = new Worker(
      SEARCH_QUEUE,
      async () => {
        await held;
        return RESULT;
      },
      { connection: bullConnectionOptions(redis.url), prefix: config.prefix },
    );
    try {
      const lateResults: unknown[] = [];
      const waiting = settled(waiters.wait(jobId, 800, (r) => lateResults.push(r)));
      await add(jobId);
      const { error } = await waiting;
      expect(error).toMatchObject({ status: 504, code: 'timeout' });
      expect(waiters.pending).toBe(0);
      expect(waiters.lateCount).toBe(1);
      release();
      const deadline = Date.now() + 10_000;
      while (lateResults.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(lateResults).toEqual([RESULT]);
      expect(waiters.lateCount).toBe(0);
    } finally {
      release();
      await slow.close();
    }
  });

  it('keeps waiting when only its listener connection drops, and delivers the completion that came meanwhile', async () => {
    const jobId = nextJobId();
    const waiting = settled(waiters.wait(jobId));
    await add(jobId);
    const killed = await redis.killConnections((c) => c.cmd === 'xread');
    expect(killed).toBe(1);
    // Redis itself is up: the wait reads its job, finds it waiting, and goes on waiting.
    await new Promise((r) => setTimeout(r, 300));
    expect(waiters.pending).toBe(1);
    const worker = finishJobs();
    try {
      const { value, error } = await waiting;
      expect(error).toBeUndefined();
      expect(value).toEqual(RESULT);
    } finally {
      await worker.close();
    }
  });
});
