import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('SIGTERM on a worker (real processes)', () => {
  const env = {
    RAGLINE_QUEUE_PREFIX: uniquePrefix('term'),
    RAGLINE_DATA_DIR: tempDataDir('term'),
    RAGLINE_EMBED_POOL_SIZE: '1',
    // the drain now really ends at this timeout: generous, as a loaded machine embeds slowly
    RAGLINE_SHUTDOWN_TIMEOUT_MS: '150000',
  };
  let api: RunningApp;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    api = await startApp({ ...env, RAGLINE_ROLE: 'api' });
  });

  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await api?.close();
  });

  it('stops taking jobs, finishes the active one, then exits cleanly', async () => {
    const markdown = readFileSync(
      join(__dirname, '..', 'node_modules', 'fastify', 'docs', 'Reference', 'Hooks.md'),
      'utf8',
    );
    expect((await http(api.url, 'PUT', '/v1/collections/term', {})).status).toBe(201);
    const res = await http<{ jobs: { id: string }[] }>(
      api.url,
      'POST',
      '/v1/collections/term/documents',
      {
        documents: [
          { id: 'hooks.md', markdown },
          { id: 'later.txt', text: 'A second document that waits for a worker.' },
        ],
      },
    );
    const [first, second] = res.body.jobs.map((j) => j.id);
    worker = spawnService({ ...env, RAGLINE_ROLE: 'worker', RAGLINE_INGEST_CONCURRENCY: '1' });
    await waitFor(
      async () => {
        const job = await http<JobBody>(api.url, 'GET', `/v1/jobs/${first}`);
        return job.body.state === 'active' && job.body.progress >= 15;
      },
      'the worker to be mid-way through the first job',
      90_000,
      50,
    );
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      worker?.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    worker.child.kill('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks have run
    const { code, signal } = await exit;
    expect(code === 0 || signal === 'SIGTERM').toBe(true);

    const finished = await http<JobBody>(api.url, 'GET', `/v1/jobs/${first}`);
    expect(finished.body).toMatchObject({ state: 'completed', attempts: 1 });
    const waiting = await http<JobBody>(api.url, 'GET', `/v1/jobs/${second}`);
    expect(waiting.body.state).toBe('waiting');

    worker = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    const [done] = await waitForJobs(api.url, [second], 60_000);
    expect(done.state).toBe('completed');
  }, 300_000);
});
