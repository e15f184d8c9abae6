import Redis from 'ioredis';
import { useLiteTokenBudget } from '../src/embedding/use-lite.embedder';
import { chunksFor } from '../src/ingest/chunking';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import {
  http,
  REDIS_URL,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';
import { fastifyPage } from './support/corpus';
import type { UpsertJobData } from '../src/queues/ingest-job';

const page = fastifyPage;

interface JobView {
  id: string;
  state: string;
  attempts: number;
  failedReason?: string;
}

async function jobData(redis: Redis, prefix: string, jobId: string) {
  const raw = await redis.hget(`${prefix}:ingest:${jobId}`, 'data');
  if (raw === null) throw new Error(`job ${jobId} not found`);
  return { data: JSON.parse(raw) as UpsertJobData, bytes: Buffer.byteLength(raw, 'utf8') };
}

async function submit(api: RunningApp, collection: string, id: string, markdown: string) {
  const res = await http<{ jobs: { id: string }[] }>(
    api.url,
    'POST',
    `/v1/collections/${collection}/documents`,
    { documents: [{ id, markdown }] },
  );
  expect(res.status).toBe(202);
  return res.body.jobs[0].id;
}

describe('large document bodies by reference (real apps, Redis, model and LanceDB)', () => {
  const prefix = uniquePrefix('bodies');
  const shared = {
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_DATA_DIR: tempDataDir('bodies'),
    RAGLINE_BODY_BY_REFERENCE_BYTES: '4096',
  };
  const redis = new Redis(REDIS_URL);
  const docs = {
    roundTrip: page('Logging.md'),
    retried: page('Encapsulation.md'),
    discarded: page('Plugins.md'),
    lost: page('Type-Providers.md'),
    small: page('HTTP2.md'),
  };
  const jobs: Record<keyof typeof docs, string> = {
    roundTrip: '',
    retried: '',
    discarded: '',
    lost: '',
    small: '',
  };
  let api: RunningApp;
  let worker: RunningApp | undefined;

  const bodyKey = (jobId: string) => `${prefix}:body:${jobId}`;
  const expectedChunks = (markdown: string) =>
    chunksFor('markdown', markdown, useLiteTokenBudget(), api.config.chunking).length;

  beforeAll(async () => {
    api = await startApp({ ...shared, RAGLINE_ROLE: 'api' });
    // everything is submitted before any worker runs
    for (const name of ['docs', 'gone']) {
      expect((await http(api.url, 'PUT', `/v1/collections/${name}`, {})).status).toBe(201);
    }
    jobs.roundTrip = await submit(api, 'docs', 'logging.md', docs.roundTrip);
    jobs.small = await submit(api, 'docs', 'http2.md', docs.small);
    jobs.lost = await submit(api, 'docs', 'type-providers.md', docs.lost);
    jobs.retried = await submit(api, 'gone', 'encapsulation.md', docs.retried);
    jobs.discarded = await submit(api, 'gone', 'plugins.md', docs.discarded);
    expect((await http(api.url, 'DELETE', '/v1/collections/gone')).status).toBe(204);
  });

  afterAll(async () => {
    await worker?.close({ keepData: true });
    await api?.close();
    await redis.quit();
  });

  it('puts only a reference in the job of a large document, and the body once in Redis', async () => {
    const { data, bytes } = await jobData(redis, prefix, jobs.roundTrip);
    expect(data.content).toBeUndefined();
    expect(data.body).toEqual({
      key: bodyKey(jobs.roundTrip),
      bytes: Buffer.byteLength(docs.roundTrip),
      preview: docs.roundTrip.slice(0, 160),
    });
    expect(bytes).toBeLessThan(1024);
    expect(await redis.get(bodyKey(jobs.roundTrip))).toBe(docs.roundTrip);
    // outlives the failed-job retention (14 days by default)
    expect(await redis.ttl(bodyKey(jobs.roundTrip))).toBeGreaterThan(14 * 24 * 3600);

    const small = await jobData(redis, prefix, jobs.small);
    expect(small.data.content).toBe(docs.small);
    expect(small.data.body).toBeUndefined();
    expect(await redis.exists(bodyKey(jobs.small))).toBe(0);
  });

  it('the worker reads the body, stores every chunk, and removes the body when the job completes', async () => {
    await redis.del(bodyKey(jobs.lost));
    worker = await startApp({ ...shared, RAGLINE_ROLE: 'worker' });
    const [done, small] = await waitForJobs(api.url, [jobs.roundTrip, jobs.small]);
    expect(done.state).toBe('completed');
    expect(small.state).toBe('completed');
    const expected = expectedChunks(docs.roundTrip);
    expect(done.result).toMatchObject({ chunksAdded: expected });
    const store = api.app.get<VectorStore>(VECTOR_STORE);
    const chunks = await store.listDocumentChunks('docs', 'logging.md');
    expect(chunks.map((c) => c.chunkIndex).sort((x, y) => x - y)).toEqual([
      ...Array(expected).keys(),
    ]);
    expect(await redis.exists(bodyKey(jobs.roundTrip))).toBe(0);
  });

  it('a body gone missing fails its job at once with a clear reason', async () => {
    const [lost] = (await waitForJobs(api.url, [jobs.lost])) as unknown as JobView[];
    expect(lost.state).toBe('failed');
    expect(lost.attempts).toBe(1);
    expect(lost.failedReason).toMatch(
      /the document body is missing \(key .*:body:ingest-\w+, \d+ bytes\): it expired or was removed; submit the document again/,
    );
  });

  it('keeps the body of a failed job, lets a retry use it, and removes it on discard', async () => {
    const failed = (await waitForJobs(api.url, [
      jobs.retried,
      jobs.discarded,
    ])) as unknown as JobView[];
    expect(failed.map((j) => j.state)).toEqual(['failed', 'failed']);
    expect(failed[0].failedReason).toMatch(/collection 'gone' does not exist/);
    expect(await redis.get(bodyKey(jobs.retried))).toBe(docs.retried);
    expect(await redis.exists(bodyKey(jobs.discarded))).toBe(1);

    expect((await http(api.url, 'PUT', '/v1/collections/gone', {})).status).toBe(201);
    expect((await http(api.url, 'POST', `/v1/jobs/${jobs.retried}/retry`)).status).toBe(202);
    const [retried] = await waitForJobs(api.url, [jobs.retried]);
    expect(retried.state).toBe('completed');
    const doc = await http<{ chunks: number }>(
      api.url,
      'GET',
      '/v1/collections/gone/documents/encapsulation.md',
    );
    expect(doc.body.chunks).toBe(expectedChunks(docs.retried));
    expect(await redis.exists(bodyKey(jobs.retried))).toBe(0);

    expect((await http(api.url, 'DELETE', `/v1/jobs/${jobs.discarded}`)).status).toBe(204);
    expect(await redis.exists(bodyKey(jobs.discarded))).toBe(0);
  });
});

describe('job payload of a large document, by reference and inline', () => {
  const apps: RunningApp[] = [];
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.quit();
  });

  it('shrinks from the document size to a few hundred bytes', async () => {
    // about 1 MiB of real Markdown (the fastify reference, repeated), under the 2 MiB limit
    const reference = ['Server.md', 'TypeScript.md', 'Errors.md', 'Reply.md'].map(page).join('\n');
    const markdown = reference
      .repeat(Math.ceil((1024 * 1024) / reference.length))
      .slice(0, 1024 * 1024);
    const sizes: Record<string, number> = {};
    for (const [label, threshold] of [
      ['byReference', undefined],
      ['inline', String(256 * 1024 * 1024)],
    ] as const) {
      const prefix = uniquePrefix(`payload-${label}`);
      const app = await startApp({
        RAGLINE_ROLE: 'api',
        RAGLINE_QUEUE_PREFIX: prefix,
        ...(threshold ? { RAGLINE_BODY_BY_REFERENCE_BYTES: threshold } : {}),
      });
      apps.push(app);
      expect((await http(app.url, 'PUT', '/v1/collections/big', {})).status).toBe(201);
      const jobId = await submit(app, 'big', 'big.md', markdown);
      sizes[label] = (await jobData(redis, prefix, jobId)).bytes;
    }
    console.log(
      `job payload of a ${Buffer.byteLength(markdown)}-byte document: inline ${sizes.inline} bytes, by reference ${sizes.byReference} bytes`,
    );
    expect(sizes.inline).toBeGreaterThan(1024 * 1024);
    expect(sizes.byReference).toBeLessThan(1024);
  });
});
