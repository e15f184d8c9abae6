import { Queue } from 'bullmq';
import { RaglineClient } from '../src/client/ragline-client';
import { serverSentEvents } from '../src/client/server-sent-events';
import type { JobView } from '../src/client/types';
import { JobEventStreams } from '../src/jobs/job-event-streams';
import { MonitorService } from '../src/monitor/monitor.service';
import { QueueEventsHub } from '../src/queues/queue-events-hub';
import { http, REDIS_URL, RunningApp, startApp, uniquePrefix } from './support/app-harness';

interface Accepted {
  jobs: { id: string; documentId: string }[];
}
interface StreamEvent {
  event: string;
  data: { id?: string; state?: string; progress?: number } & Record<string, unknown>;
}

const text = (n: number): string =>
  Array.from(
    { length: 40 },
    (_, i) => `Paragraph ${i} of document ${n} tells about queues, streams and retention.`,
  ).join('\n\n');

/** Reads a whole job event stream (until the server ends it) and the raw text. */
async function readStream(
  base: string,
  ids: string[],
  signal?: AbortSignal,
): Promise<{ status: number; events: StreamEvent[]; contentType: string | null }> {
  const res = await fetch(`${base}/v1/jobs/events?ids=${ids.join(',')}`, { signal });
  const events: StreamEvent[] = [];
  if (res.ok && res.body) {
    for await (const e of serverSentEvents(res.body, 30_000)) {
      events.push({ event: e.event, data: JSON.parse(e.data) as StreamEvent['data'] });
    }
  }
  return { status: res.status, events, contentType: res.headers.get('content-type') };
}

/** `ragline_http_request_duration_seconds_count` of one route and kind, from /metrics. */
async function requestCount(base: string, route: string, kind: string): Promise<number> {
  const body = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of body.split('\n')) {
    if (
      line.startsWith('ragline_http_request_duration_seconds_count{') &&
      line.includes(`route="${route}"`) &&
      line.includes(`route_kind="${kind}"`)
    ) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job event stream and job waiting (real Redis, model, store)', () => {
  const prefix = uniquePrefix('jobsse');
  let app: RunningApp;
  let base: string;
  let ingestQueue: Queue;
  let client: RaglineClient;

  const submit = async (collection: string, docs: Array<{ id: string; text: string }>) => {
    const res = await http<Accepted>(base, 'POST', `/v1/collections/${collection}/documents`, {
      documents: docs,
    });
    expect(res.status).toBe(202);
    return res.body.jobs.map((j) => j.id);
  };

  beforeAll(async () => {
    app = await startApp({
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_ROLE: 'all',
      RAGLINE_JOB_STREAM_HEARTBEAT_MS: '200',
      RAGLINE_JOB_STREAMS_MAX: '3',
      // Long enough that no request leaves the monitor's window during a test.
      RAGLINE_MONITOR_WINDOW_MS: '3600000',
    });
    base = app.url;
    client = new RaglineClient({ baseUrl: base });
    // The test holds jobs back (pause) to see them go from waiting to completed live.
    ingestQueue = new Queue('ingest', { connection: { url: REDIS_URL }, prefix });
    expect((await http(base, 'PUT', '/v1/collections/sse', {})).status).toBe(201);
  });

  afterAll(async () => {
    await ingestQueue?.resume();
    await ingestQueue?.close();
    await app?.close();
  });

  it('sends every state first (a job done before connecting included), then progress and outcomes live, and ends', async () => {
    const [early] = await submit('sse', [{ id: 'early.txt', text: text(0) }]);
    await client.waitForJobs([early], { timeoutMs: 60_000 });

    await ingestQueue.pause();
    const batch = await submit(
      'sse',
      [1, 2, 3, 4].map((n) => ({ id: `doc-${n}.txt`, text: text(n) })),
    );
    const streamsBefore = await requestCount(base, '/v1/jobs/events', 'job_polling');
    const ids = [early, ...batch, 'never-was-a-job'];
    const reading = readStream(base, ids);
    // Let the stream send its states, then let the worker run the jobs.
    await until(() => app.app.get(QueueEventsHub).followedJobs >= batch.length);
    await ingestQueue.resume();
    const { status, events, contentType } = await reading;

    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    const states = events.slice(0, ids.length);
    expect(states.map((e) => [e.event, e.data.id])).toEqual(ids.map((id) => ['state', id]));
    expect(states[0].data).toMatchObject({ state: 'completed', progress: 100 });
    for (const s of states.slice(1, 1 + batch.length)) expect(s.data.state).toBe('waiting');
    expect(states.at(-1)?.data).toEqual({ id: 'never-was-a-job', state: 'unknown' });

    const live = events.slice(ids.length);
    for (const id of batch) {
      const mine = live.filter((e) => e.data.id === id).map((e) => e.event);
      expect(mine).toContain('active');
      expect(mine).toContain('progress');
      expect(mine.at(-1)).toBe('completed');
      const done = live.find((e) => e.event === 'completed' && e.data.id === id);
      expect(done?.data).toMatchObject({
        state: 'completed',
        progress: 100,
        documentId: expect.any(String),
      });
      expect(done?.data.result).toMatchObject({ chunksAdded: expect.any(Number) });
    }
    const progress = live.filter((e) => e.event === 'progress').map((e) => e.data.progress ?? -1);
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(events.at(-1)).toEqual({ event: 'end', data: { jobs: ids.length } });

    // The stream's listeners are gone with it, and it counts as job polling.
    await until(() => app.app.get(QueueEventsHub).followedJobs === 0);
    expect(app.app.get(JobEventStreams).openStreams).toBe(0);
    let streamsAfter = 0;
    for (let i = 0; i < 40 && streamsAfter <= streamsBefore; i++) {
      streamsAfter = await requestCount(base, '/v1/jobs/events', 'job_polling');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(streamsAfter).toBe(streamsBefore + 1);
    expect(await requestCount(base, '/v1/jobs/events', 'api')).toBe(0);
  });

  it('sends heartbeats, frees its listeners when the client leaves, and bounds streams and ids', async () => {
    await ingestQueue.pause();
    const [held] = await submit('sse', [{ id: 'held.txt', text: text(9) }]);
    const hub = app.app.get(QueueEventsHub);
    const streams = app.app.get(JobEventStreams);

    const controllers = [0, 1, 2].map(() => new AbortController());
    const raw: string[] = ['', '', ''];
    await Promise.all(
      controllers.map(async (c, i) => {
        const res = await fetch(`${base}/v1/jobs/events?ids=${held}`, { signal: c.signal });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        void (async () => {
          for (;;) {
            const { done, value } = await reader
              .read()
              .catch(() => ({ done: true, value: undefined }));
            if (done) return;
            raw[i] += new TextDecoder().decode(value);
          }
        })();
      }),
    );
    expect(streams.openStreams).toBe(3);
    expect(hub.followedJobs).toBe(1);

    const fourth = await http<{ error: { code: string } }>(
      base,
      'GET',
      `/v1/jobs/events?ids=${held}`,
    );
    expect(fourth.status).toBe(503);
    expect(fourth.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

    await until(() => raw.every((r) => (r.match(/^: heartbeat$/gm) ?? []).length >= 2), 5000);
    expect(raw[0]).toMatch(
      /^event: state\ndata: \{"id":"[^"]+","queue":"ingest"[^\n]*"state":"waiting"/m,
    );

    for (const c of controllers) c.abort();
    await until(() => streams.openStreams === 0 && hub.followedJobs === 0);

    const tooMany = Array.from({ length: 201 }, (_, i) => `j${i}`).join(',');
    const bad = await http<{ error: { message: string } }>(
      base,
      'GET',
      `/v1/jobs/events?ids=${tooMany}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/at most 200/);
    expect((await http(base, 'GET', '/v1/jobs/events')).status).toBe(400);
    await ingestQueue.resume();
  });

  it('the client waits for a batch with one stream request instead of polling each job', async () => {
    const ids = await submit(
      'sse',
      Array.from({ length: 24 }, (_, n) => ({ id: `wait-${n}.txt`, text: text(100 + n) })),
    );
    const before = {
      streams: await requestCount(base, '/v1/jobs/events', 'job_polling'),
      byId: await requestCount(base, '/v1/jobs/:id', 'job_polling'),
      bulk: await requestCount(base, '/v1/jobs', 'job_polling'),
    };
    let reports = 0;

    const views = await client.waitForJobs(ids, {
      timeoutMs: 120_000,
      onProgress: () => reports++,
    });

    expect(views.map((v) => v.state)).toEqual(ids.map(() => 'completed'));
    expect(reports).toBeGreaterThan(0);
    const after = {
      streams: await requestCount(base, '/v1/jobs/events', 'job_polling'),
      byId: await requestCount(base, '/v1/jobs/:id', 'job_polling'),
      bulk: await requestCount(base, '/v1/jobs', 'job_polling'),
    };
    // Polling each job every 500 ms would have sent at least one request per job.
    expect(after.streams - before.streams).toBe(1);
    expect(after.byId - before.byId).toBe(0);
    expect(after.bulk - before.bulk).toBe(0);
  });
});

describe('job polling and the live performance figures', () => {
  it('leaves job polling out of the request rate the live page plots', async () => {
    const app = await startApp({
      RAGLINE_QUEUE_PREFIX: uniquePrefix('jobpoll'),
      RAGLINE_ROLE: 'api',
      RAGLINE_MONITOR_WINDOW_MS: '3600000',
    });
    try {
      const monitor = app.app.get(MonitorService);
      const httpCount = async () => (await monitor.sampleNow()).http.count;
      const start = await httpCount();
      for (let i = 0; i < 5; i++) {
        expect((await http(app.url, 'GET', `/v1/jobs?ids=a${i},b${i}`)).status).toBe(200);
        expect((await http(app.url, 'GET', `/v1/jobs/nope-${i}`)).status).toBe(404);
      }
      expect(await httpCount()).toBe(start);
      expect((await http(app.url, 'GET', '/v1/collections')).status).toBe(200);
      expect(await httpCount()).toBe(start + 1);
      expect(await requestCount(app.url, '/v1/jobs', 'job_polling')).toBe(5);
      expect(await requestCount(app.url, '/v1/jobs/:id', 'job_polling')).toBe(5);
      expect(await requestCount(app.url, '/v1/collections', 'api')).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('job event streams when the server stops', () => {
  it('ends open streams so the server can close, and the client reads again', async () => {
    const app = await startApp({
      RAGLINE_QUEUE_PREFIX: uniquePrefix('jobstop'),
      RAGLINE_ROLE: 'api',
    });
    let closed = false;
    try {
      expect((await http(app.url, 'PUT', '/v1/collections/stop', {})).status).toBe(201);
      // No worker runs here: the job stays waiting and its stream open.
      const accepted = await http<Accepted>(app.url, 'POST', '/v1/collections/stop/documents', {
        documents: [{ id: 'a.txt', text: 'never processed here' }],
      });
      const res = await fetch(`${app.url}/v1/jobs/events?ids=${accepted.body.jobs[0].id}`);
      expect(res.status).toBe(200);
      const events: string[] = [];
      const reading = (async () => {
        for await (const e of serverSentEvents(res.body as ReadableStream<Uint8Array>, 30_000)) {
          events.push(e.event);
        }
      })();
      await until(() => events.length === 1);
      const started = Date.now();
      await app.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(5000);
      await reading;
      expect(events).toEqual(['state']);
    } finally {
      if (!closed) await app.close();
    }
  });
});

describe('job outcomes after BullMQ removed the job (real Redis, model, store)', () => {
  let app: RunningApp;
  let base: string;

  beforeAll(async () => {
    // Tiny retention: BullMQ removes every finished job at once.
    app = await startApp({
      RAGLINE_QUEUE_PREFIX: uniquePrefix('jobgone'),
      RAGLINE_ROLE: 'all',
      RAGLINE_KEEP_COMPLETED_JOBS: '0',
      RAGLINE_KEEP_FAILED_JOBS: '0',
    });
    base = app.url;
    expect((await http(base, 'PUT', '/v1/collections/kept', {})).status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 410 with the outcome and the document as it is now; a never-existing id is 404', async () => {
    const client = new RaglineClient({ baseUrl: base });
    const accepted = await http<Accepted>(base, 'POST', '/v1/collections/kept/documents', {
      documents: [{ id: 'kept.txt', text: text(7) }],
    });
    const jobId = accepted.body.jobs[0].id;
    // The stream reports the outcome of a job removed as it completed.
    const [done] = await client.waitForJobs([jobId], { timeoutMs: 60_000 });
    expect(done).toMatchObject({ id: jobId, state: 'completed' });

    const gone = await http<{
      error: { code: string; message: string; details: { job: JobView; document: unknown } };
    }>(base, 'GET', `/v1/jobs/${jobId}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('gone');
    expect(gone.body.error.details.job).toMatchObject({
      id: jobId,
      queue: 'ingest',
      state: 'completed',
      gone: true,
      collection: 'kept',
      documentId: 'kept.txt',
      finishedAt: expect.any(String),
    });
    expect(gone.body.error.details.document).toMatchObject({
      collection: 'kept',
      id: 'kept.txt',
      state: 'stored',
      chunks: expect.any(Number),
    });

    const bulk = await http<{ jobs: JobView[] }>(base, 'GET', `/v1/jobs?ids=${jobId},nope-1`);
    expect(bulk.body.jobs).toEqual([
      expect.objectContaining({ id: jobId, state: 'completed', gone: true }),
      { id: 'nope-1', state: 'unknown' },
    ]);

    // The document's current state, not the one the job left.
    const deleted = await http<Accepted>(base, 'DELETE', '/v1/collections/kept/documents/kept.txt');
    await client.waitForJobs([deleted.body.jobs[0].id], { timeoutMs: 60_000 });
    const later = await http<{ error: { details: { document: { state: string } } } }>(
      base,
      'GET',
      `/v1/jobs/${jobId}`,
    );
    expect(later.status).toBe(410);
    expect(later.body.error.details.document.state).toBe('absent');

    const never = await http<{ error: { code: string } }>(base, 'GET', '/v1/jobs/ingest-never-was');
    expect(never.status).toBe(404);
    expect(never.body.error.code).toBe('not_found');
  });
});
