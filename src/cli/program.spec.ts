import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeenRequest, StubReply, StubServer } from '../client/testing/stub-server';
import type { IngestDocument, JobView } from '../client/types';
import { runCliIn, testIO as sharedTestIO } from './testing/test-io';

/**
 * These run the whole CLI in-process against a stub that answers the few endpoints it calls,
 * to check its wiring (exit codes, messages, summary). The end-to-end test against the real
 * service lives in test/.
 */

let root: string;
let stub: StubServer | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ragline-cli-'));
});

afterEach(async () => {
  rmSync(root, { recursive: true, force: true });
  await stub?.stop();
  stub = undefined;
});

function write(rel: string, content: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
}

const testIO = (env: Record<string, string> = {}) => sharedTestIO(env, root);

const run = runCliIn;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Minimal ingest side of the API: a collection set, jobs that finish on their second read.
 * It has no job event stream (as an older server): the CLI falls back to `GET /v1/jobs?ids=`.
 */
function fakeRagline(opts: { collections: Set<string>; failIds?: string[] }) {
  const jobs = new Map<string, { documentId: string; polls: number }>();
  return (req: SeenRequest): StubReply => {
    const url = new URL(req.url, 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const notFound = (what: string) => ({
      status: 404,
      body: { error: { code: 'not_found', message: `${what} not found` } },
    });
    if (parts[1] === 'collections' && parts.length === 3) {
      if (req.method === 'PUT') {
        opts.collections.add(parts[2]);
        return { status: 201, body: { name: parts[2] } };
      }
      return opts.collections.has(parts[2])
        ? { status: 200, body: { name: parts[2] } }
        : notFound('collection');
    }
    if (parts[3] === 'documents' && req.method === 'POST') {
      if (!opts.collections.has(parts[2])) return notFound('collection');
      const { documents } = JSON.parse(req.body) as { documents: IngestDocument[] };
      const refs = documents.map((d) => ({ id: `job:${d.id}`, documentId: d.id }));
      for (const r of refs) jobs.set(r.id, { documentId: r.documentId, polls: 0 });
      return { status: 202, body: { jobs: refs } };
    }
    const viewOf = (id: string): JobView | { id: string; state: 'unknown' } => {
      const job = jobs.get(id);
      if (!job) return { id, state: 'unknown' };
      job.polls++;
      const failing = opts.failIds?.includes(job.documentId);
      const view: JobView = {
        id,
        queue: 'ingest',
        state: job.polls < 2 ? 'active' : failing ? 'failed' : 'completed',
        progress: job.polls < 2 ? 50 : 100,
        attempts: 1,
        ...(job.polls >= 2 && !failing
          ? {
              result: {
                chunksAdded: 2,
                chunksUpdated: 0,
                chunksSkipped: 1,
                chunksDeleted: 0,
                timings: {},
              },
            }
          : {}),
        ...(job.polls >= 2 && failing ? { failedReason: 'could not parse HTML' } : {}),
      };
      return view;
    };
    if (parts[1] === 'jobs' && parts.length === 2 && url.searchParams.has('ids')) {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return { status: 200, body: { jobs: ids.map(viewOf), total: ids.length } };
    }
    return notFound('route');
  };
}

describe('ragline ingest', () => {
  beforeEach(() => {
    write('docs/a.md', '# A\n\nalpha');
    write('docs/guide/b.txt', 'bravo');
    write('docs/site/c.html', '<p>charlie</p>');
  });

  it('says how to start ragline, and exits 1, when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const t = testIO();

    const code = await run(t.io, 'ingest', 'docs', '--collection', 'docs', '--url', url);

    expect(code).toBe(1);
    expect(t.err()).toContain(
      `error: cannot reach ragline at ${url}: is it running? start it with npm start`,
    );
  });

  it('takes the URL from RAGLINE_URL and the key from RAGLINE_API_KEY', async () => {
    stub = await StubServer.start(fakeRagline({ collections: new Set(['docs']) }));
    const t = testIO({ RAGLINE_URL: stub.url, RAGLINE_API_KEY: 'secret-key' });

    const code = await run(t.io, 'ingest', 'docs', '-c', 'docs', '--no-wait');

    expect(code).toBe(0);
    expect(stub.requests.every((r) => r.headers.authorization === 'Bearer secret-key')).toBe(true);
    expect(t.out()).toContain('3 jobs queued (not waited for');
  });

  it('refuses an unknown collection unless --create, then creates it', async () => {
    const collections = new Set<string>();
    stub = await StubServer.start(fakeRagline({ collections }));

    const first = testIO();
    expect(await run(first.io, 'ingest', 'docs', '-c', 'notes', '--url', stub.url)).toBe(1);
    expect(first.err()).toContain("collection 'notes' does not exist: pass --create");

    const second = testIO();
    expect(
      await run(second.io, 'ingest', 'docs', '-c', 'notes', '--url', stub.url, '--create'),
    ).toBe(0);
    expect(second.err()).toContain('created collection notes');
    expect(collections.has('notes')).toBe(true);
  });

  it('sends every file in batches, waits for the jobs and prints the summary', async () => {
    stub = await StubServer.start(fakeRagline({ collections: new Set(['docs']) }));
    const t = testIO();

    const code = await run(t.io, 'ingest', 'docs', '-c', 'docs', '--url', stub.url, '--batch', '2');

    expect(code).toBe(0);
    const posts = stub.requests.filter((r) => r.method === 'POST');
    const sent = posts.map(
      (r) => (JSON.parse(r.body) as { documents: IngestDocument[] }).documents,
    );
    expect(sent.map((b) => b.map((d) => d.id))).toEqual([['a.md', 'guide/b.txt'], ['site/c.html']]);
    expect(sent[1][0]).toEqual({
      id: 'site/c.html',
      html: '<p>charlie</p>',
      metadata: { path: 'site/c.html', bytes: 14 },
    });
    expect(t.out()).toContain('3 of 3 documents sent');
    expect(t.out()).toContain('jobs: 3 completed, 0 failed (of 3)');
    expect(t.out()).toContain('chunks: 6 added, 0 updated, 3 skipped, 0 deleted');
    expect(t.out()).toMatch(/elapsed: \d+/);
    // Not a terminal: plain progress lines, no bar.
    expect(t.err()).toContain('processing 100% | 3/3 jobs done, 0 failed');
    expect(t.err()).not.toContain('\u2591');
  });

  it('exits 1 and lists the reason when a job fails', async () => {
    stub = await StubServer.start(
      fakeRagline({ collections: new Set(['docs']), failIds: ['site/c.html'] }),
    );
    const t = testIO();

    const code = await run(t.io, 'ingest', 'docs', '-c', 'docs', '--url', stub.url);

    expect(code).toBe(1);
    expect(t.out()).toContain('jobs: 2 completed, 1 failed (of 3)');
    expect(t.out()).toContain('site/c.html (job job:site/c.html): could not parse HTML');
  });

  it('rejects a bad collection name and bad usage before any request', async () => {
    stub = await StubServer.start(fakeRagline({ collections: new Set() }));
    const bad = testIO();
    expect(await run(bad.io, 'ingest', 'docs', '-c', 'Bad Name', '--url', stub.url)).toBe(1);
    expect(bad.err()).toContain('invalid collection name');

    const usage = testIO();
    expect(await run(usage.io, 'ingest', 'docs', '--url', stub.url)).not.toBe(0);
    expect(usage.err()).toContain("required option '-c, --collection <name>' not specified");

    const batch = testIO();
    expect(await run(batch.io, 'ingest', 'docs', '-c', 'docs', '--batch', '0')).not.toBe(0);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('ragline search and jobs', () => {
  it('prints ranked hits and sends limit and mode', async () => {
    stub = await StubServer.start(() => ({
      status: 200,
      body: {
        hits: [
          {
            id: 'p1',
            documentId: 'guide/install.md',
            chunkIndex: 2,
            score: 0.91234,
            text: 'Run  npm\n install',
            metadata: {},
          },
        ],
        cache: 'miss',
        version: 7,
        took: { totalMs: 12.5 },
      },
    }));
    const t = testIO();

    const code = await run(
      t.io,
      'search',
      'docs',
      'how',
      'to',
      'install',
      '--limit',
      '5',
      '--mode',
      'bm25',
      '--url',
      stub.url,
    );

    expect(code).toBe(0);
    expect(JSON.parse(stub.requests[0].body)).toEqual({
      query: 'how to install',
      limit: 5,
      mode: 'bm25',
    });
    expect(t.out()).toBe(
      [
        '1 hit (cache miss, 13 ms, collection version 7)',
        '  1. 0.9123  guide/install.md #2',
        '      Run npm install',
        '',
      ].join('\n'),
    );
  });

  it('lists failed jobs with their reasons', async () => {
    stub = await StubServer.start(() => ({
      status: 200,
      body: {
        jobs: [
          {
            id: 'j7',
            queue: 'ingest',
            state: 'failed',
            progress: 10,
            attempts: 5,
            failedReason: 'boom',
          },
        ],
      },
    }));
    const t = testIO();

    const code = await run(t.io, 'jobs', '--failed', '--url', stub.url);

    expect(code).toBe(0);
    expect(stub.requests[0].url).toBe('/v1/jobs?state=failed');
    expect(t.out()).toBe('1 failed job:\nj7  ingest  failed  10%  attempts=5  reason: boom\n');
  });

  it('reports API errors with status and code', async () => {
    stub = await StubServer.start(() => ({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'missing bearer token' } },
    }));
    const t = testIO();

    expect(await run(t.io, 'search', 'docs', 'q', '--url', stub.url)).toBe(1);
    expect(t.err()).toContain(
      'error: ragline answered 401 unauthorized: missing bearer token (check --api-key',
    );
  });
});

describe('ragline reembed', () => {
  /** A re-embed job that reports 40%, then finishes as `final` on the third poll. */
  function fakeReembed(final: 'completed' | 'failed') {
    let polls = 0;
    return (req: SeenRequest): StubReply => {
      if (req.method === 'POST') {
        return {
          status: 202,
          body: {
            job: { id: 'reembed-1' },
            collection: 'docs',
            from: 'use-lite',
            to: 'openai:m',
            status: 'queued',
          },
        };
      }
      const viewAt = (done: boolean): JobView => ({
        id: 'reembed-1',
        queue: 'reembed',
        state: done ? final : 'active',
        progress: done && final === 'completed' ? 100 : 40,
        attempts: done ? 1 : 0,
        ...(done && final === 'completed'
          ? {
              result: {
                collection: 'docs',
                from: 'use-lite',
                to: 'openai:m',
                dimensions: 16,
                storeName: 'docs.1a2b3c4d',
                documents: 3,
                chunks: 41,
                version: 9,
              } as unknown as JobView['result'],
            }
          : {}),
        ...(done && final === 'failed' ? { failedReason: 'embedder answered 400' } : {}),
      });
      if (req.url === '/v1/jobs/reembed-1') return { status: 200, body: viewAt(++polls >= 3) };
      // The job event stream: its state, progress, then its outcome.
      const events: Array<[string, unknown]> = [
        ['state', viewAt(false)],
        ['progress', { id: 'reembed-1', progress: 40 }],
        [final, viewAt(true)],
        ['end', {}],
      ];
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''),
      };
    };
  }

  it('starts the job, shows its progress until it completes, and sums up', async () => {
    stub = await StubServer.start(fakeReembed('completed'));
    const t = testIO();

    const code = await run(t.io, 'reembed', 'docs', '--embedder', 'openai:m', '--url', stub.url);

    expect(code).toBe(0);
    expect(stub.requests[0]).toMatchObject({ method: 'POST', url: '/v1/collections/docs/reembed' });
    expect(JSON.parse(stub.requests[0].body)).toEqual({ embedder: 'openai:m' });
    expect(stub.requests.slice(1).map((r) => r.url)).toEqual(['/v1/jobs/events?ids=reembed-1']);
    expect(t.err()).toContain('re-embedding docs: use-lite -> openai:m (job reembed-1)');
    expect(t.err()).toContain('re-embedding 40% | copying documents');
    expect(t.err()).toContain('re-embedding 100%');
    expect(t.out()).toMatch(
      /^re-embedded 3 documents \(41 chunks\) of docs with openai:m \(16 dimensions\) in .+; now version 9, store collection docs\.1a2b3c4d\n$/,
    );
  });

  it('exits 1 with the reason when the job fails', async () => {
    stub = await StubServer.start(fakeReembed('failed'));
    const t = testIO();

    const code = await run(t.io, 'reembed', 'docs', '-e', 'openai:m', '--url', stub.url);

    expect(code).toBe(1);
    expect(t.out()).toContain(
      're-embedding of docs failed: embedder answered 400; it keeps use-lite',
    );
  });

  it('says there is nothing to do when the collection already uses the embedder', async () => {
    stub = await StubServer.start(() => ({
      status: 200,
      body: {
        job: null,
        collection: 'docs',
        from: 'use-lite',
        to: 'use-lite',
        status: 'unchanged',
      },
    }));
    const t = testIO();

    expect(await run(t.io, 'reembed', 'docs', '-e', 'use-lite', '--url', stub.url)).toBe(0);
    expect(t.out()).toBe('docs already uses use-lite: nothing to do\n');
    expect(stub.requests).toHaveLength(1);
  });

  it('`jobs <id>` sums up a completed re-embed job', async () => {
    stub = await StubServer.start(fakeReembed('completed'));
    const t = testIO();
    // The stub's job finishes on its third poll.
    for (let poll = 0; poll < 3; poll++) await run(t.io, 'jobs', 'reembed-1', '--url', stub.url);
    expect(t.out().trim().split('\n').pop()).toBe(
      'reembed-1  reembed  completed  100%  attempts=1  use-lite -> openai:m: 3 documents, 41 chunks',
    );
  });

  it('needs --embedder and a valid collection name before any request', async () => {
    stub = await StubServer.start(fakeReembed('completed'));
    const usage = testIO();
    expect(await run(usage.io, 'reembed', 'docs', '--url', stub.url)).not.toBe(0);
    expect(usage.err()).toContain("required option '-e, --embedder <id>' not specified");
    const bad = testIO();
    expect(await run(bad.io, 'reembed', 'Bad', '-e', 'x', '--url', stub.url)).toBe(1);
    expect(bad.err()).toContain('invalid collection name');
    expect(stub.requests).toHaveLength(0);
  });
});
