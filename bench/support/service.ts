import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';
import { dropPrefix } from '../../src/redis/testing/drop-prefix';

// kept importable from here: tests and benchmarks import it from this module
export { dropPrefix };

export interface BenchService {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  /** Closes the app, then discard(). */
  stop(): Promise<void>;
  /** Drops the Redis keys and data folder this service made (after its app is closed). */
  discard(): Promise<void>;
}

/** Starts the real service in this process on a random port, a fresh data folder and prefix. */
export async function startBenchService(
  label: string,
  env: Record<string, string> = {},
): Promise<BenchService> {
  const prefix = `bench-${label}-${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), `ragline-bench-${label}-`));
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_LOG_LEVEL: 'warn',
    RAGLINE_API_KEYS: '',
    // a benchmark reads every job's result, so none may be dropped by retention meanwhile
    RAGLINE_KEEP_COMPLETED_JOBS: '1000000',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  // Only what this service owns: one started on another's prefix or folder (through env)
  // leaves them to their owner.
  const discard = async () => {
    if (config.prefix === prefix) await dropPrefix(prefix, config.redisUrl);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    app,
    url,
    config,
    async stop() {
      await app.close();
      await discard();
    },
    discard,
  };
}

export async function postJson<T>(
  url: string,
  body: unknown,
  method = 'POST',
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

interface JobState {
  state: string;
  result?: Record<string, number>;
  failedReason?: string;
}

/**
 * Waits for every job, polling a bounded number at a time; returns their final views. A job no
 * longer found (404: removed by the completed-job retention) counts as finished, state 'gone'.
 */
export async function awaitJobs(
  base: string,
  ids: string[],
  onProgress?: (done: number) => void,
): Promise<JobState[]> {
  const views = new Map<string, JobState>();
  let pending = [...ids];
  while (pending.length) {
    const batch = pending.slice(0, 100);
    const answers = await Promise.all(
      batch.map((id) =>
        fetch(`${base}/v1/jobs/${id}`).then((r) =>
          r.status === 404 ? ({ state: 'gone' } as JobState) : (r.json() as Promise<JobState>),
        ),
      ),
    );
    batch.forEach((id, i) => {
      if (['completed', 'failed', 'gone'].includes(answers[i].state)) views.set(id, answers[i]);
    });
    pending = pending.filter((id) => !views.has(id));
    onProgress?.(views.size);
    if (pending.length) await new Promise((r) => setTimeout(r, 250));
  }
  return ids.map((id) => views.get(id) as JobState);
}
