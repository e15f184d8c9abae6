import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useLiteTokenBudget } from '../src/embedding/use-lite.embedder';
import { chunksFor } from '../src/ingest/chunking';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import {
  http,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';
import { ServiceProcess, spawnService, waitFor } from './support/processes';

interface JobBody {
  state: string;
  progress: number;
  attempts: number;
}

describe('a worker killed mid-job (real processes)', () => {
  const prefix = uniquePrefix('crash');
  const dataDir = tempDataDir('crash');
  const env = {
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_EMBED_POOL_SIZE: '1',
    RAGLINE_JOB_LOCK_MS: '2000',
    RAGLINE_STALLED_INTERVAL_MS: '1000',
    RAGLINE_INGEST_BACKOFF_MS: '100',
  };
  let api: RunningApp;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    api = await startApp({ ...env, RAGLINE_ROLE: 'api' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await api?.close();
  });

  it('leaves the job to be retried, and the store ends with exactly the expected chunks', async () => {
    const markdown = readFileSync(
      join(__dirname, '..', 'node_modules', 'fastify', 'docs', 'Reference', 'Routes.md'),
      'utf8',
    );
    const budget = useLiteTokenBudget();
    const expected = chunksFor('markdown', markdown, budget, api.config.chunking).length;
    expect(expected).toBeGreaterThan(30);

    expect((await http(api.url, 'PUT', '/v1/collections/crash', {})).status).toBe(201);
    const res = await http<{ jobs: { id: string }[] }>(
      api.url,
      'POST',
      '/v1/collections/crash/documents',
      {
        documents: [{ id: 'routes.md', markdown }],
      },
    );
    const jobId = res.body.jobs[0].id;

    const first = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    workers.push(first);
    await waitFor(
      async () => {
        const job = await http<JobBody>(api.url, 'GET', `/v1/jobs/${jobId}`);
        return job.body.state === 'active' && job.body.progress >= 15 && job.body.progress < 80;
      },
      'the first worker to be mid-way through the job',
      90_000,
      50,
    );
    await first.kill('SIGKILL');

    const second = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    workers.push(second);
    const [done] = await waitForJobs(api.url, [jobId], 120_000);
    expect(done.state).toBe('completed');

    const store = api.app.get<VectorStore>(VECTOR_STORE);
    const chunks = await waitFor(
      async () => {
        const found = await store.listDocumentChunks('crash', 'routes.md');
        return found.length === expected ? found : null;
      },
      'the store to show the final chunks',
      10_000,
    );
    expect(chunks.map((c) => c.chunkIndex).sort((a, b) => a - b)).toEqual([
      ...Array(expected).keys(),
    ]);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(expected);
    expect(await store.count('crash')).toBe(expected);
  });
});
