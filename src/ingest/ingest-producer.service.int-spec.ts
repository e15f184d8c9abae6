import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { WriteAdmissions } from '../catalog/write-admission';
import { ApiError } from '../common/api-error';
import { AppConfig, loadConfig } from '../config/config';
import { createCommandConnection } from '../redis/redis-connection';
import { PrivateRedis } from '../redis/testing/private-redis';
import { closeJobQueues, openJobQueues } from '../queues/testing/job-queues';
import type { JobQueues } from '../queues/job-queues';
import { DocumentBodies } from './document-bodies';
import { IngestProducerService } from './ingest-producer.service';
import { waitFor } from '../common/testing/wait-for';
import { IngestJobData } from '../queues/ingest-job';

const COMMAND_TIMEOUT_MS = 500;

async function timed<T>(work: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    return { value: await work, ms: Date.now() - t0 };
  } catch (error) {
    return { error, ms: Date.now() - t0 };
  }
}

/** Waits (up to 15 s) until `probe` holds, checking every 50 ms. */
const until = (probe: () => boolean, what: string) =>
  waitFor(async () => probe(), what, 15_000, 50);

/** Producers fail fast: an ingest is accepted only once Redis has stored its job. */
describe('IngestProducerService when Redis goes away (private redis-server)', () => {
  let redis: PrivateRedis;
  let config: AppConfig;
  let commands: Redis;
  let queues: JobQueues;
  let queue: Queue<IngestJobData>;
  let queueClient: Redis;
  let producer: IngestProducerService;
  let docs = 0;

  const nextDoc = () => ({ id: `doc-${++docs}`, text: `document number ${docs}` });
  const connected = () => commands.status === 'ready' && queueClient.status === 'ready';
  const expect503 = (error: unknown) => {
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'unavailable' });
    expect((error as ApiError).headers['retry-after']).toMatch(/^\d+$/);
    expect((error as ApiError).message).toMatch(/ingest queue: Redis is unavailable/);
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    config = loadConfig({
      REDIS_URL: redis.url,
      RAGLINE_QUEUE_PREFIX: 'producer',
      RAGLINE_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    });
    commands = createCommandConnection(redis.url, 'producer:commands', COMMAND_TIMEOUT_MS);
    commands.on('error', () => undefined);
    queues = openJobQueues(config);
    queue = queues.ingest;
    queueClient = (await queue.client) as unknown as Redis;
    producer = new IngestProducerService(
      queues,
      new WriteAdmissions(commands, config),
      new DocumentBodies(commands, config),
      commands,
      config,
    );
  });

  afterAll(async () => {
    await closeJobQueues(queues);
    commands?.disconnect();
    await redis?.destroy();
  });

  it('accepts while Redis answers, and what it accepted survives a crash of Redis (AOF)', async () => {
    const [job] = await producer.ingest('c', [nextDoc()]);
    await redis.stop('SIGKILL');
    await redis.restart();
    await until(connected, 'the connections to come back');
    expect(await queue.getJobState(job.id)).toBe('waiting');
  });

  it('refuses at once with 503 while Redis is down, and buffers nothing to replay later', async () => {
    await redis.stop('SIGKILL');
    const doc = nextDoc();
    const { error, ms } = await timed(producer.ingest('c', [doc]));
    expect503(error);
    expect(ms).toBeLessThan(2000);
    const { error: deleteError } = await timed(producer.delete('c', 'doc-1'));
    expect503(deleteError);

    await redis.restart();
    await until(connected, 'the connections to come back');
    await new Promise((r) => setTimeout(r, 300));
    expect(await queue.getJobCounts('waiting', 'delayed')).toMatchObject({
      waiting: 1,
      delayed: 0,
    });
  });

  it('answers 503 when Redis stops answering mid-request, and a resubmission is one job', async () => {
    const doc = nextDoc();
    redis.pause();
    try {
      const { error, ms } = await timed(producer.ingest('c', [doc]));
      expect503(error);
      expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS * 10);
    } finally {
      redis.resume();
    }
    await until(connected, 'the connections to be ready');
    const [first] = await producer.ingest('c', [doc]);
    const [again] = await producer.ingest('c', [doc]);
    expect(again.id).toBe(first.id);
    expect(await queue.getWaitingCount()).toBe(2);
  });

  it('a submission that fails before its jobs are queued never supersedes one already accepted', async () => {
    const [accepted] = await producer.ingest('d', [{ id: 'same', text: 'the accepted version' }]);
    const desiredBefore = await new WriteAdmissions(commands, config).getDesired('d', 'same');
    // Redis goes away between the steps of a later submission: its add never happens.
    const addBulk = jest
      .spyOn(queue, 'addBulk')
      .mockRejectedValueOnce(new Error('Connection is closed.'));
    try {
      const { error } = await timed(
        producer.ingest('d', [{ id: 'same', text: 'a version that was never accepted' }]),
      );
      expect503(error);
    } finally {
      addBulk.mockRestore();
    }
    // The document's latest state is still the accepted job: it will run, not be skipped.
    const desired = await new WriteAdmissions(commands, config).getDesired('d', 'same');
    expect(desired).toEqual(desiredBefore);
    expect(desired?.target).toBe((await queue.getJob(accepted.id))?.data.target);
  });
});
