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
  const sse = (events: Array<[string, unknown]>): string =>
    events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  const streamReply = (events: Array<[string, unknown]>) => ({
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    body: `retry: 3000\n\n: heartbeat\n\n${sse(events)}`,
  });
  const noStream = { status: 404, body: { error: { code: 'not_found', message: 'no route' } } };
  const idsOf = (url: string): string[] =>
    (new URL(url, 'http://x').searchParams.get('ids') ?? '').split(',');
  /** Answers `GET /v1/jobs?ids=` from `script`: each job's n-th read gets its n-th view. */
  function bulkServer(script: Record<string, JobView[]>): StubHandler {
    const reads: Record<string, number> = {};
    return (req) => {
      if (req.url.startsWith('/v1/jobs/events')) return noStream;
      return {
        status: 200,
        body: {
          jobs: idsOf(req.url).map((id) => {
            const steps = script[id];
            if (!steps) return { id, state: 'unknown' };
            const n = (reads[id] = (reads[id] ?? 0) + 1);
            return steps[Math.min(n, steps.length) - 1];
          }),
        },
      };
    };
  }

  it('follows the jobs over one event stream: states, progress, outcomes, in one request', async () => {
    const server = await serve((req) =>
      req.url.startsWith('/v1/jobs/events?ids=a%2Cb%2Cc')
        ? streamReply([
            ['state', view('a', 'completed', 100, { result: resultOf(2) })],
            ['state', view('b', 'waiting', 0)],
            ['state', view('c', 'waiting', 0)],
            ['active', { id: 'b' }],
            ['progress', { id: 'b', progress: 40 }],
            ['failed', view('b', 'failed', 40, { failedReason: 'parse error' })],
            ['completed', view('c', 'completed', 100, { result: resultOf(1) })],
            ['end', { jobs: 3 }],
          ])
        : { status: 500, body: { error: { code: 'internal', message: 'unexpected' } } },
    );
    const client = new RaglineClient({ baseUrl: server.url });
    const progress: Array<[number, number]> = [];

    const views = await client.waitForJobs(['a', 'b', 'c'], {
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(views.map((v) => [v.id, v.state])).toEqual([
      ['a', 'completed'],
      ['b', 'failed'],
      ['c', 'completed'],
    ]);
    expect(views[1].failedReason).toBe('parse error');
    expect(views[2].result).toEqual(resultOf(1));
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/jobs/events?ids=a%2Cb%2Cc']);
    expect(server.requests[0].headers.accept).toBe('text/event-stream');
  });

  it('streams 200 jobs at a time, oldest first', async () => {
    const ids = Array.from({ length: 450 }, (_, i) => `j${i}`);
    const server = await serve((req) =>
      streamReply([
        ...idsOf(req.url).map((id): [string, unknown] => ['state', view(id, 'completed', 100)]),
        ['end', {}],
      ]),
    );
    const client = new RaglineClient({ baseUrl: server.url });

    const views = await client.waitForJobs(ids);

    expect(views.every((v) => v.state === 'completed')).toBe(true);
    expect(server.requests.map((r) => idsOf(r.url).length)).toEqual([200, 200, 50]);
    expect(idsOf(server.requests[0].url)[0]).toBe('j0');
  });

  it('without a stream on the server, polls GET /v1/jobs?ids= in batches of 200, only the unfinished', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `j${i}`);
    const script = Object.fromEntries(
      ids.map((id, i) => [
        id,
        i < 10
          ? [view(id, 'active', 50), view(id, 'completed', 100)]
          : [view(id, 'completed', 100)],
      ]),
    );
    const server = await serve(bulkServer(script));
    const client = new RaglineClient({ baseUrl: server.url });
    const progress: Array<[number, number]> = [];

    const views = await client.waitForJobs(ids, {
      pollMs: 5,
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(views.every((v) => v.state === 'completed')).toBe(true);
    const urls = server.requests.map((r) => r.url);
    // One stream attempt (404: no such route), then no other.
    expect(urls.filter((u) => u.startsWith('/v1/jobs/events'))).toHaveLength(1);
    const polls = urls.filter((u) => u.startsWith('/v1/jobs?ids='));
    expect(polls.map((u) => idsOf(u).length)).toEqual([200, 50, 10]);
    expect(progress).toEqual([
      [240, 250],
      [250, 250],
    ]);
  });

  it('falls back to a poll when a stream breaks off, then streams again', async () => {
    let streams = 0;
    const server = await serve((req) => {
      if (req.url.startsWith('/v1/jobs/events')) {
        // The first stream ends without its `end` event (a proxy cut it, say).
        return ++streams === 1
          ? streamReply([['state', view('x', 'active', 10)]])
          : streamReply([
              ['state', view('x', 'completed', 100)],
              ['end', {}],
            ]);
      }
      return { status: 200, body: { jobs: [view('x', 'active', 20)] } };
    });
    const client = new RaglineClient({ baseUrl: server.url });

    const [only] = await client.waitForJobs(['x'], { pollMs: 5 });

    expect(only.state).toBe('completed');
    expect(server.requests.map((r) => r.url.split('?')[0])).toEqual([
      '/v1/jobs/events',
      '/v1/jobs',
      '/v1/jobs/events',
    ]);
  });

  it('ends a job the server does not know as unknown instead of waiting forever', async () => {
    const server = await serve(() =>
      streamReply([
        ['state', { id: 'gone', state: 'unknown' }],
        ['end', {}],
      ]),
    );
    const client = new RaglineClient({ baseUrl: server.url });

    const [only] = await client.waitForJobs(['gone']);

    expect(only).toMatchObject({ state: 'unknown', failedReason: 'job not found on the server' });
  });

  it('throws RaglineWaitTimeoutError carrying the last views when jobs do not finish in time', async () => {
    const server = await serve(bulkServer({ slow: [view('slow', 'active', 10)] }));
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

  it('stops waiting at the deadline while a stream is open', async () => {
    const server = await serve((req) =>
      req.url.startsWith('/v1/jobs/events') ? 'hang' : noStream,
    );
    const client = new RaglineClient({ baseUrl: server.url });
    const started = Date.now();

    const err = await client.waitForJobs(['x'], { timeoutMs: 300 }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RaglineWaitTimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rides out a transient server error but gives up after maxConsecutiveErrors rounds', async () => {
    let calls = 0;
    const flaky = await serve((req) => {
      if (req.url.startsWith('/v1/jobs/events')) return noStream;
      return ++calls === 1
        ? { status: 500, body: { error: { code: 'internal', message: 'blip' } } }
        : { status: 200, body: { jobs: [view('x', 'completed', 100)] } };
    });
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
    // each round: the stream fails, then the poll
    expect(down.requests).toHaveLength(6);
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
      if (req.url.startsWith('/v1/jobs/events')) return { status: 404, body: {} };
      polls++;
      const done = polls >= 3;
      const job = {
        id: 'tune-x',
        queue: 'tune',
        state: done ? 'completed' : 'active',
        progress: done ? 100 : polls * 30,
        attempts: 1,
        ...(done ? { result: report } : {}),
      };
      return { status: 200, body: { jobs: [job] } };
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
    const failed = {
      id: 't',
      queue: 'tune',
      state: 'failed',
      progress: 10,
      attempts: 2,
      failedReason: 'store down',
    };
    const server = await serve(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: `event: state\ndata: ${JSON.stringify(failed)}\n\nevent: end\ndata: {}\n\n`,
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
