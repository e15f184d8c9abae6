import { Queue, QueueEvents } from 'bullmq';
import { ApiError } from '../common/api-error';
import { loadConfig } from '../config/config';
import { jobFailureError } from '../queues/job-failure';
import { createWorker, RaglineWorker } from '../queues/worker-factory';
import { bullConnectionOptions } from '../redis/redis-connection';
import { CircuitOpenError } from '../resilience/circuit-breaker';
import { searchFailure, searchJobFailure } from './search-failure';
import type { SearchSpec } from '../queues/search-job';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

const spec = (collection: string, store = collection): SearchSpec => ({
  collection,
  store,
  embedder: 'use-lite',
  query: 'q',
  mode: 'dense',
  limit: 3,
});

/** Stand-ins for the stores' errors, as the adapters throw them (name and fields). */
function lanceMissing(storeName: string): Error {
  return Object.assign(new Error(`collection '${storeName}' does not exist`), {
    name: 'CollectionNotFoundError',
    collection: storeName,
  });
}
function qdrantError(status: number, detail: string): Error {
  return Object.assign(new Error(`Qdrant search failed (HTTP ${status}): ${detail}`), {
    name: 'QdrantRequestError',
    status,
  });
}

/**
 * A search job's failure, thrown in the worker, through a real queue, as the API answers it:
 * the failure crosses as a typed code, and the answer never carries the internal error text.
 */
describe('search failures across the queue', () => {
  const prefix = uniquePrefix('search-failure');
  const config = loadConfig({ REDIS_URL, RAGLINE_QUEUE_PREFIX: prefix });
  const QUEUE = 'search-failure';
  let queue: Queue<{ n: number }>;
  let events: QueueEvents;
  let worker: RaglineWorker<{ n: number }, never>;
  const thrown: Array<() => Error> = [];

  beforeAll(async () => {
    queue = new Queue(QUEUE, { connection: bullConnectionOptions(REDIS_URL), prefix });
    events = new QueueEvents(QUEUE, { connection: bullConnectionOptions(REDIS_URL), prefix });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    worker = createWorker<{ n: number }, never>(config, QUEUE, (job) => {
      throw thrown[job.data.n]();
    });
  });

  afterAll(async () => {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  /** What the API answers for a job whose processor throws `error` (from the event and the job). */
  async function answerFor(error: () => Error): Promise<ApiError[]> {
    thrown.push(error);
    const jobId = `job-${thrown.length}`;
    // listen before adding: an event that comes before its listener is lost
    const failed = new Promise<string>((resolve) => {
      const onFailed = ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => {
        if (id !== jobId) return;
        events.off('failed', onFailed);
        resolve(failedReason);
      };
      events.on('failed', onFailed);
    });
    const job = await queue.add('search', { n: thrown.length - 1 }, { attempts: 1, jobId });
    const reason = await failed;
    const stored = await queue.getJob(String(job.id));
    return [searchFailure(reason), searchFailure(stored?.failedReason)];
  }

  it('answers an open circuit 503 with Retry-After, without the internal error', async () => {
    const open = new CircuitOpenError(
      'store-read',
      4200,
      'LanceError(IO): Object at location /data/x.lance not found',
    );
    for (const answer of await answerFor(() =>
      jobFailureError(searchJobFailure(open, spec('docs'))),
    )) {
      expect(answer.status).toBe(503);
      expect(answer.code).toBe('unavailable');
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.message).toBe('store-read is unavailable (circuit open); retry in 5 s');
    }
  });

  it("answers 404 naming the caller's collection when its store collection is gone", async () => {
    const [lance] = await answerFor(() =>
      jobFailureError(
        searchJobFailure(lanceMissing('gone.ab12cd34'), spec('gone', 'gone.ab12cd34')),
      ),
    );
    expect(lance).toMatchObject({ status: 404, code: 'not_found' });
    expect(lance.message).toBe("collection 'gone' not found");
    const [qdrant] = await answerFor(() =>
      jobFailureError(
        searchJobFailure(
          qdrantError(404, "Not found: Collection `gone` doesn't exist!"),
          spec('gone'),
        ),
      ),
    );
    expect(qdrant).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers 503 for store failures, a missing data file and another collection of the batch gone', async () => {
    const errors = [
      new Error(
        'lance error: LanceError(IO): Object at location /d/c.lance/data/1.lance not found: No such file or directory (os error 2)',
      ),
      new Error(
        'Failed to get next batch from stream: lance error: Not found: d/c.lance/data/1.lance, local.rs:133:40 not found',
      ),
      qdrantError(500, 'Service internal error: http://qdrant.internal:6333/ timed out'),
      lanceMissing('other'),
    ];
    for (const error of errors) {
      for (const answer of await answerFor(() =>
        jobFailureError(searchJobFailure(error, spec('docs'))),
      )) {
        expect(answer).toMatchObject({ status: 503, code: 'unavailable' });
        // The store's own words (files, hosts, source lines) stay in the service's log.
        expect(answer.message).not.toMatch(/lance|\/d\/|\.rs|qdrant\.internal|os error/i);
      }
    }
  });

  it('answers 504 for a search dropped unrun past its deadline', async () => {
    for (const answer of await answerFor(() =>
      jobFailureError({ code: 'expired', message: 'expired: waited 9000 ms in the queue' }),
    )) {
      expect(answer).toMatchObject({ status: 504, code: 'timeout' });
    }
  });

  it('reads a reason that was not encoded (a stalled job, an older worker) as 503, whatever it says', async () => {
    for (const reason of [
      'job stalled more than allowable limit',
      "collection 'docs' does not exist",
      'expired: waited 9000 ms in the queue',
      undefined,
    ]) {
      expect(searchFailure(reason)).toMatchObject({ status: 503, code: 'unavailable' });
    }
  });
});
