import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { takeResponseViolations } from '../../src/common/response-check';
import { AppConfig, loadConfig } from '../../src/config/config';
import { dropPrefix as dropRedisPrefix } from '../../src/redis/testing/drop-prefix';
import { REDIS_URL, uniquePrefix } from '../../src/redis/testing/shared-redis';

export { REDIS_URL, uniquePrefix } from '../../src/redis/testing/shared-redis';

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export function tempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `ragline-${label}-`));
}

/** Deletes every Redis key under a test run's prefix. */
export function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  return dropRedisPrefix(prefix, url);
}

/**
 * Starts the real app in-process on a random port with its own data folder and Redis prefix.
 * Every /v1 answer is checked against its contract schema (RAGLINE_CHECK_RESPONSES): one that
 * breaks it is answered as a 500, and close() fails listing every such answer.
 */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const prefix = env.RAGLINE_QUEUE_PREFIX ?? uniquePrefix('app');
  const dataDir = env.RAGLINE_DATA_DIR ?? tempDataDir('app');
  const config = loadConfig({
    REDIS_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_LOG_LEVEL: 'warn',
    RAGLINE_EMBED_POOL_SIZE: '1',
    RAGLINE_CHECK_RESPONSES: 'true',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    config,
    async close(options = {}) {
      const violations = takeResponseViolations(app);
      await app.close();
      if (!options.keepData) {
        await dropPrefix(prefix);
        rmSync(dataDir, { recursive: true, force: true });
      }
      if (violations.length) {
        throw new Error(
          `answers that break the API contract (src/contract):\n${violations
            .map((v) => `  ${v.method} ${v.route} ${v.status}: ${v.problem}`)
            .join('\n')}`,
        );
      }
    },
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  init: { headers?: Record<string, string>; raw?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let payload: string | undefined = init.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

interface JobBody {
  id: string;
  state: string;
  progress: number;
  result?: Record<string, unknown>;
  failedReason?: string;
}

/** Polls GET /v1/jobs/:id until every job has completed or failed. */
export async function waitForJobs(
  base: string,
  ids: string[],
  timeoutMs = 120_000,
): Promise<JobBody[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ids.map((id) => http<JobBody>(base, 'GET', `/v1/jobs/${id}`)));
    const bodies = views.map((v) => v.body);
    if (bodies.every((b) => b.state === 'completed' || b.state === 'failed')) return bodies;
    if (Date.now() > deadline) {
      throw new Error(
        `jobs did not finish in ${timeoutMs} ms: ${JSON.stringify(bodies.map((b) => [b.id, b.state]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
