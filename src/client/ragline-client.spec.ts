import { createServer } from 'node:net';
import {
  RaglineApiError,
  RaglineError,
  RaglineNetworkError,
  RaglineWaitTimeoutError,
} from './errors';
import { RaglineClient } from './ragline-client';
import { parseRetryAfter } from './retry-after';
import { StubHandler, StubServer } from './testing/stub-server';
import type { JobView, TuneReport } from './types';

let stub: StubServer | undefined;

async function serve(handler: StubHandler): Promise<StubServer> {
  stub = await StubServer.start(handler);
  return stub;
}

afterEach(async () => {
  await stub?.stop();
  stub = undefined;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('RaglineClient requests', () => {
  it('sends the bearer key, JSON bodies and encodes ids that contain slashes', async () => {
    const server = await serve((req) =>
      req.method === 'POST'
        ? { status: 202, body: { jobs: [{ id: 'j1', documentId: 'guide/intro.md' }] } }
        : { status: 200, body: { id: 'guide/intro.md', chunks: 3 } },
    );
    const client = new RaglineClient({ baseUrl: `${server.url}/`, apiKey: 'k-123' });

    const ingest = await client.ingest('docs', [{ id: 'guide/intro.md', markdown: '# Hi' }]);
    const doc = await client.getDocument('docs', 'guide/intro.md');

    expect(ingest.jobs).toEqual([{ id: 'j1', documentId: 'guide/intro.md' }]);
    expect(doc.chunks).toBe(3);
    const [post, get] = server.requests;
    expect(post.url).toBe('/v1/collections/docs/documents');
    expect(post.headers.authorization).toBe('Bearer k-123');
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({
      documents: [{ id: 'guide/intro.md', markdown: '# Hi' }],
    });
    expect(get.url).toBe('/v1/collections/docs/documents/guide%2Fintro.md');
  });

  it('reports whether PUT created the collection (201) or found it (200), and 204 deletes', async () => {
    let exists = false;
    const server = await serve((req) => {
      if (req.method === 'DELETE') return { status: 204 };
      const status = exists ? 200 : 201;
      exists = true;
      return { status, body: { name: 'docs' } };
    });
    const client = new RaglineClient({ baseUrl: server.url });

    expect((await client.createCollection('docs', { quantization: 'int8' })).created).toBe(true);
    expect((await client.createCollection('docs', { quantization: 'int8' })).created).toBe(false);
    await expect(client.deleteCollection('docs')).resolves.toBeUndefined();
    expect(JSON.parse(server.requests[0].body)).toEqual({ quantization: 'int8' });
    expect(server.requests[0].method).toBe('PUT');
  });

  it('puts list filters in the query string and accepts a bare array as the job list', async () => {
    const server = await serve(() => ({ status: 200, body: [{ id: 'j9', state: 'failed' }] }));
    const client = new RaglineClient({ baseUrl: server.url });

    const list = await client.listJobs({ state: 'failed', queue: 'ingest' });

    expect(server.requests[0].url).toBe('/v1/jobs?state=failed&queue=ingest');
    expect(list.jobs.map((j) => j.id)).toEqual(['j9']);
  });

  it('asks for a re-embedding with { embedder } and reads the job it answers', async () => {
    const server = await serve(() => ({
      status: 202,
      body: {
        job: { id: 'reembed-1' },
        collection: 'my docs',
        from: 'use-lite',
        to: 'openai:m',
        status: 'queued',
      },
    }));
    const client = new RaglineClient({ baseUrl: server.url });

    const accepted = await client.reembed('my docs', 'openai:m');

    expect(accepted).toMatchObject({ job: { id: 'reembed-1' }, status: 'queued', to: 'openai:m' });
    expect(server.requests[0].method).toBe('POST');
    expect(server.requests[0].url).toBe('/v1/collections/my%20docs/reembed');
    expect(JSON.parse(server.requests[0].body)).toEqual({ embedder: 'openai:m' });
  });

  it('wraps batch searches in { searches } as docs/API.md says', async () => {
    const server = await serve(() => ({ status: 200, body: { results: [] } }));
    const client = new RaglineClient({ baseUrl: server.url });

    await client.searchBatch('docs', [{ query: 'a' }, { query: 'b', limit: 3, mode: 'bm25' }]);

    expect(server.requests[0].url).toBe('/v1/collections/docs/search/batch');
    expect(JSON.parse(server.requests[0].body)).toEqual({
      searches: [{ query: 'a' }, { query: 'b', limit: 3, mode: 'bm25' }],
    });
  });

  it('reads readiness and the performance report, and a not-ready 503 throws', async () => {
    let ready = false;
    const server = await serve((req) => {
      if (req.url === '/v1/health/ready')
        return ready
          ? { status: 200, body: { status: 'ok' } }
          : { status: 503, body: { status: 'error' } };
      return { status: 200, body: { status: 'healthy', cache: { hitRate: 0.9 }, actions: [] } };
    });
    const client = new RaglineClient({ baseUrl: server.url });

    const notReady = await client.ready().catch((e: unknown) => e);
    ready = true;
    const readiness = await client.ready();
    const performance = await client.performance();

    expect(notReady).toMatchObject({ status: 503 });
    expect(readiness.status).toBe('ok');
    expect(performance.cache.hitRate).toBe(0.9);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/health/ready',
      '/v1/health/ready',
      '/v1/health/performance',
    ]);
  });
});

describe('RaglineClient errors', () => {
  it('parses { error: { code, message, details } } into a RaglineApiError', async () => {
    const server = await serve(() => ({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'documents[0].id is required',
          details: { field: 'id' },
        },
      },
    }));
    const client = new RaglineClient({ baseUrl: server.url });

    const err = await client.search('docs', { query: '' }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RaglineApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'documents[0].id is required',
      details: { field: 'id' },
    });
  });

  it('still gives a readable error when the body is not the API error shape', async () => {
    const server = await serve(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    const client = new RaglineClient({ baseUrl: server.url });

    const err = await client.health().catch((e: unknown) => e);

    expect(err).toMatchObject({ status: 502, code: 'http_502' });
    expect((err as Error).message).toContain('Bad Gateway');
  });

  it('throws RaglineNetworkError(unreachable) when nothing listens', async () => {
    const port = await freePort();
    const client = new RaglineClient({ baseUrl: `http://127.0.0.1:${port}` });

    const err = await client.health().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RaglineNetworkError);
    expect(err).toMatchObject({ reason: 'unreachable' });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('throws RaglineNetworkError(timeout) when the server does not answer in time', async () => {
    const server = await serve(() => 'hang');
    const client = new RaglineClient({ baseUrl: server.url, timeoutMs: 150 });

    const started = Date.now();
    const err = await client.health().catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'RaglineNetworkError', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('RaglineClient Retry-After', () => {
  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    let calls = 0;
    const server = await serve(() =>
      ++calls === 1
        ? {
            status: 429,
            headers: { 'retry-after': '1' },
            body: { error: { code: 'busy', message: 'backlog' } },
          }
        : { status: 202, body: { jobs: [] } },
    );
    const client = new RaglineClient({ baseUrl: server.url });

    await expect(client.ingest('docs', [{ id: 'a', text: 'x' }])).resolves.toEqual({ jobs: [] });

    expect(server.requests).toHaveLength(2);
    const gap = server.requests[1].at - server.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('retries 503 a bounded number of times, then throws the last error', async () => {
    const server = await serve(() => ({
      status: 503,
      headers: { 'retry-after': '0' },
      body: { error: { code: 'unavailable', message: 'queue down' } },
    }));
    const client = new RaglineClient({ baseUrl: server.url, retry: { maxRetries: 2 } });

    const err = await client.search('docs', { query: 'q' }).catch((e: unknown) => e);

    expect(err).toMatchObject({ status: 503, code: 'unavailable', retryAfterMs: 0 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry without Retry-After, nor when it is longer than maxDelayMs', async () => {
    let withHeader = false;
    const server = await serve(() => ({
      status: 503,
      headers: withHeader ? { 'retry-after': '120' } : ({} as Record<string, string>),
      body: { error: { code: 'unavailable', message: 'down' } },
    }));
    const client = new RaglineClient({ baseUrl: server.url, retry: { maxDelayMs: 5000 } });

    await expect(client.health()).rejects.toMatchObject({ status: 503 });
    withHeader = true;
    await expect(client.health()).rejects.toMatchObject({ status: 503, retryAfterMs: 120_000 });

    expect(server.requests).toHaveLength(2);
  });

  it('does not retry other statuses', async () => {
    const server = await serve(() => ({
      status: 500,
      headers: { 'retry-after': '0' },
      body: { error: { code: 'internal', message: 'boom' } },
    }));
    const client = new RaglineClient({ baseUrl: server.url });

    await expect(client.health()).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('RaglineClient.waitForJobs', () => {
  function jobServer(script: Record<string, JobView[] | 404>): StubHandler {
    const polls: Record<string, number> = {};
    return (req) => {
      const id = decodeURIComponent(req.url.replace('/v1/jobs/', ''));
      const steps = script[id];
      if (steps === undefined || steps === 404) {
        return { status: 404, body: { error: { code: 'not_found', message: 'job not found' } } };
      }
      const n = (polls[id] = (polls[id] ?? 0) + 1);
      return { status: 200, body: steps[Math.min(n, steps.length) - 1] };
    };
  }
  const view = (
    id: string,
    state: JobView['state'],
    progress: number,
    extra: Partial<JobView> = {},
  ): JobView => ({
    id,
    queue: 'ingest',
    state,
    progress,
    attempts: 1,
    ...extra,
  });

  it('polls until every job is completed or failed, reporting progress, and stops polling finished jobs', async () => {
    const server = await serve(
      jobServer({
        a: [view('a', 'active', 50), view('a', 'completed', 100, { result: resultOf(2) })],
        b: [
          view('b', 'waiting', 0),
          view('b', 'active', 40),
          view('b', 'failed', 40, { failedReason: 'parse error' }),
        ],
        c: [view('c', 'completed', 100, { result: resultOf(1) })],
      }),
    );
    const client = new RaglineClient({ baseUrl: server.url });
    const progress: Array<[number, number]> = [];

    const views = await client.waitForJobs(['a', 'b', 'c'], {
      pollMs: 10,
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(views.map((v) => [v.id, v.state])).toEqual([
      ['a', 'completed'],
      ['b', 'failed'],
      ['c', 'completed'],
    ]);
    expect(views[1].failedReason).toBe('parse error');
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const pollsOf = (id: string) =>
      server.requests.filter((r) => r.url === `/v1/jobs/${id}`).length;
    expect([pollsOf('a'), pollsOf('b'), pollsOf('c')]).toEqual([2, 3, 1]);
  });

  it('ends a job the server no longer knows (404) as unknown instead of waiting forever', async () => {
    const server = await serve(jobServer({ gone: 404 }));
    const client = new RaglineClient({ baseUrl: server.url });

    const [only] = await client.waitForJobs(['gone'], { pollMs: 10 });

    expect(only.state).toBe('unknown');
  });

  it('throws RaglineWaitTimeoutError carrying the last views when jobs do not finish in time', async () => {
    const server = await serve(jobServer({ slow: [view('slow', 'active', 10)] }));
    const client = new RaglineClient({ baseUrl: server.url });

    const err = await client
      .waitForJobs(['slow'], { pollMs: 20, timeoutMs: 100 })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RaglineWaitTimeoutError);
    expect((err as RaglineWaitTimeoutError<JobView>).views[0]).toMatchObject({
      state: 'active',
      progress: 10,
    });
  });

  it('rides out a transient server error but gives up after maxConsecutiveErrors rounds', async () => {
    let calls = 0;
    const flaky = await serve(() =>
      ++calls === 1
        ? { status: 500, body: { error: { code: 'internal', message: 'blip' } } }
        : { status: 200, body: view('x', 'completed', 100) },
    );
    const client = new RaglineClient({ baseUrl: flaky.url });
    await expect(client.waitForJobs(['x'], { pollMs: 5 })).resolves.toMatchObject([
      { state: 'completed' },
    ]);
    await flaky.stop();

    const down = await serve(() => ({
      status: 500,
      body: { error: { code: 'internal', message: 'down' } },
    }));
    const client2 = new RaglineClient({ baseUrl: down.url });
    await expect(
      client2.waitForJobs(['x'], { pollMs: 5, maxConsecutiveErrors: 3 }),
    ).rejects.toMatchObject({
      status: 500,
    });
    expect(down.requests).toHaveLength(3);
  });

  it('polls only the oldest unfinished jobs each round (maxPerRound), in the order given', async () => {
    const polls: Record<string, number> = {};
    const server = await serve((req) => {
      const id = req.url.slice('/v1/jobs/'.length);
      polls[id] = (polls[id] ?? 0) + 1;
      return { status: 200, body: view(id, polls[id] >= 2 ? 'completed' : 'active', 50) };
    });
    const client = new RaglineClient({ baseUrl: server.url });
    const rounds: string[][] = [];

    await client.waitForJobs(['a', 'b', 'c', 'd', 'e'], {
      pollMs: 1,
      maxPerRound: 2,
      concurrency: 1,
      onProgress: (_done, _total, views) =>
        rounds.push(views.filter((v) => v.state !== 'waiting').map((v) => `${v.id}:${v.state}`)),
    });

    expect(server.requests.map((r) => r.url.slice('/v1/jobs/'.length))).toEqual([
      'a',
      'b',
      'a',
      'b',
      'c',
      'd',
      'c',
      'd',
      'e',
      'e',
    ]);
    expect(rounds[0]).toEqual(['a:active', 'b:active']);
  });

  it('polls with bounded concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve(async (req) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return { status: 200, body: view(req.url.slice('/v1/jobs/'.length), 'completed', 100) };
    });
    const client = new RaglineClient({ baseUrl: server.url });
    const ids = Array.from({ length: 20 }, (_, i) => `j${i}`);

    await client.waitForJobs(ids, { concurrency: 4 });

    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('RaglineClient tuning', () => {
  const report = { collection: 'docs', status: 'measured', rows: [] } as unknown as TuneReport;

  it('starts a tune with the admin route and body, and follows its job to the report', async () => {
    let polls = 0;
    const server = await serve((req) => {
      if (req.method === 'POST') {
        return {
          status: 202,
          body: { job: { id: 'tune-x', queue: 'tune' }, alreadyRunning: false },
        };
      }
      if (req.method === 'DELETE') return { status: 204 };
      polls++;
      const done = polls >= 3;
      return {
        status: 200,
        body: {
          id: 'tune-x',
          queue: 'tune',
          state: done ? 'completed' : 'active',
          progress: done ? 100 : polls * 30,
          attempts: 1,
          ...(done ? { result: report } : {}),
        },
      };
    });
    const client = new RaglineClient({ baseUrl: server.url, apiKey: 'k' });

    const started = await client.tuneCollection('my docs', {
      samples: 50,
      ef: [16, 64],
      apply: true,
    });
    expect(started).toEqual({ job: { id: 'tune-x', queue: 'tune' }, alreadyRunning: false });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/admin/collections/my%20docs/tune',
      body: JSON.stringify({ samples: 50, ef: [16, 64], apply: true }),
    });
    const seen: number[] = [];
    expect(
      await client.waitForTune('tune-x', { pollMs: 5, onProgress: (p) => seen.push(p) }),
    ).toEqual(report);
    expect(seen).toEqual([30, 60, 100]);
    await client.clearCollectionTuning('docs');
    expect(server.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      url: '/v1/admin/collections/docs/tuning',
    });
  });

  it('throws when the tune job failed, with its reason', async () => {
    const server = await serve(() => ({
      status: 200,
      body: {
        id: 't',
        queue: 'tune',
        state: 'failed',
        progress: 10,
        attempts: 2,
        failedReason: 'store down',
      },
    }));
    const client = new RaglineClient({ baseUrl: server.url });
    const waiting = client.waitForTune('t', { pollMs: 5 });
    await expect(waiting).rejects.toThrow(RaglineError);
    await expect(client.waitForTune('t', { pollMs: 5 })).rejects.toThrow(
      /tune job t failed: store down/,
    );
  });
});

function resultOf(added: number) {
  return { chunksAdded: added, chunksUpdated: 0, chunksSkipped: 0, chunksDeleted: 0, timings: {} };
}
