import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli/program';
import { EmbedderRegistry } from '../src/embedding/embedder-registry';
import { FakeEmbeddingServer } from '../src/embedding/testing/fake-embedding-server';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import { fastifyDocs } from './support/corpus';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';

/**
 * Re-embedding a collection, end to end: real Redis, real LanceDB, the real model on one side
 * and, on the other, a local server speaking the OpenAI embeddings protocol (the stand-in for
 * a hosted API, which cannot be reached here).
 */

const LOCAL_MODEL = 'openai:local-model';
const LOCAL_DIMENSIONS = 16;
const QUERY = 'serving HTTP2 with TLS';
const LATE_TEXT =
  'A late note written while the collection was being re-embedded: zeppelins carry mail.';
const notLate = { mustNot: [{ key: 'documentId', match: 'late.md' }] };

interface CollectionBody {
  embedder: string;
  dimensions: number;
  documents: number;
  chunks: number;
  version: number;
  storeCollection: string;
  reembedding?: { jobId: string; embedder: string; state: string; storeCollection: string };
}
interface ReembedBody {
  job: { id: string } | null;
  from: string;
  to: string;
  status: string;
}
interface SearchBody {
  hits: { id: string; documentId: string }[];
  cache: string;
  version: number;
}
interface ReembedResultBody {
  from: string;
  to: string;
  documents: number;
  chunks: number;
  dimensions: number;
  storeName: string;
  version: number;
}

describe('re-embedding a collection (real Redis, LanceDB and model; a local OpenAI-compatible server)', () => {
  let fake: FakeEmbeddingServer;
  let running: RunningApp;
  let base: string;
  let store: VectorStore;

  const collection = (name: string) =>
    http<CollectionBody>(base, 'GET', `/v1/collections/${name}`).then((r) => r.body);
  const search = async (name: string, body: Record<string, unknown>): Promise<SearchBody> => {
    const res = await http<SearchBody>(base, 'POST', `/v1/collections/${name}/search`, body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const reembed = (name: string, embedder: unknown) =>
    http<ReembedBody>(base, 'POST', `/v1/collections/${name}/reembed`, { embedder });
  /** Inputs the local server has been asked to embed, in order. */
  const localInputs = () => fake.requests.flatMap((r) => r.input);

  async function ingest(name: string, documents: unknown[]): Promise<string[]> {
    const res = await http<{ jobs: { id: string }[] }>(
      base,
      'POST',
      `/v1/collections/${name}/documents`,
      { documents },
    );
    expect(res.status).toBe(202);
    return res.body.jobs.map((j) => j.id);
  }

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    fake = new FakeEmbeddingServer();
    fake.dimensions = LOCAL_DIMENSIONS;
    const fakeUrl = await fake.start();
    running = await startApp({
      RAGLINE_EMBEDDER: LOCAL_MODEL,
      RAGLINE_OPENAI_BASE_URL: fakeUrl,
      RAGLINE_OPENAI_DIMENSIONS: String(LOCAL_DIMENSIONS),
      // Also how long the old data outlives a switch, for searches still on their way to it.
      RAGLINE_SEARCH_TIMEOUT_MS: '5000',
      RAGLINE_SEARCH_WARM_QUERIES: '0',
      RAGLINE_INGEST_ATTEMPTS: '2',
      RAGLINE_INGEST_BACKOFF_MS: '100',
    });
    base = running.url;
    store = running.app.get<VectorStore>(VECTOR_STORE);
    expect((await http(base, 'PUT', '/v1/collections/docs', { embedder: 'use-lite' })).status).toBe(
      201,
    );
    const jobs = await ingest('docs', fastifyDocs(['HTTP2.md', 'Principles.md', 'Middleware.md']));
    for (const job of await waitForJobs(base, jobs)) expect(job.state).toBe('completed');
  });

  afterAll(async () => {
    fake.gate = null;
    await running?.close();
    await fake?.stop();
  });

  it('validates the request: 404 unknown collection, 400 bad or unknown embedder, 200 when nothing changes', async () => {
    expect((await reembed('nope', 'use-lite')).status).toBe(404);
    const missing = await http<{ error: { message: string } }>(
      base,
      'POST',
      '/v1/collections/docs/reembed',
      {},
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/embedder/);
    const unknown = await reembed('docs', 'openai:not-configured');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toMatch(/unknown embedder 'openai:not-configured'/);
    const same = await reembed('docs', 'use-lite');
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ job: null, status: 'unchanged', to: 'use-lite' });
    expect((await collection('docs')).reembedding).toBeUndefined();
  });

  let before: CollectionBody;
  let refsBefore: Awaited<ReturnType<VectorStore['listDocumentChunks']>>;
  let denseBefore: SearchBody;
  let firstResult: ReembedResultBody;

  it('moves use-lite -> the local model: searches keep the old data until the switch, an ingest sent meanwhile lands in the new data', async () => {
    before = await collection('docs');
    expect(before).toMatchObject({
      embedder: 'use-lite',
      dimensions: 512,
      documents: 3,
      storeCollection: 'docs',
    });
    refsBefore = await store.listDocumentChunks('docs', 'reference/HTTP2.md');
    denseBefore = await search('docs', { query: QUERY, mode: 'dense', filter: notLate });
    expect(denseBefore.hits.length).toBeGreaterThan(0);
    const hybridBefore = await search('docs', { query: QUERY });

    // Hold the local server: the re-embedding stops in the middle of its copy.
    let release = () => undefined as void;
    fake.gate = new Promise<void>((resolve) => (release = resolve));
    const asked = fake.requests.length;
    const started = await reembed('docs', LOCAL_MODEL);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ from: 'use-lite', to: LOCAL_MODEL, status: 'queued' });
    const jobId = started.body.job?.id as string;
    const again = await reembed('docs', LOCAL_MODEL);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ job: { id: jobId }, status: 'running' });
    const other = await reembed('docs', 'use-lite');
    expect(other.status).toBe(409);
    expect(JSON.stringify(other.body)).toContain(jobId);
    expect((await http(base, 'DELETE', '/v1/collections/docs')).status).toBe(409);

    await eventually(async () => fake.requests.length > asked, 'the copy asks the local server');
    const during = await collection('docs');
    expect(during).toMatchObject({
      embedder: 'use-lite',
      dimensions: 512,
      version: before.version,
      storeCollection: 'docs',
      reembedding: { jobId, embedder: LOCAL_MODEL, state: 'running' },
    });
    const job = await http<{ state: string; progress: number }>(base, 'GET', `/v1/jobs/${jobId}`);
    expect(job.body.state).toBe('active');
    expect(job.body.progress).toBeLessThan(100);

    // Searches answer from the old data, with the old embedder.
    const denseDuring = await search('docs', { query: QUERY, mode: 'dense', filter: notLate });
    expect(denseDuring.version).toBe(before.version);
    expect(denseDuring.hits.map((h) => h.id)).toEqual(denseBefore.hits.map((h) => h.id));
    const fresh = await search('docs', { query: 'middleware compatibility with express' });
    expect(fresh).toMatchObject({ cache: 'miss', version: before.version });
    expect(fresh.hits.length).toBeGreaterThan(0);
    expect(localInputs()).not.toContain('middleware compatibility with express');
    expect((await search('docs', { query: QUERY })).hits).toEqual(hybridBefore.hits);

    // An ingest sent now waits for the switch.
    const [lateJob] = await ingest('docs', [{ id: 'late.md', text: LATE_TEXT }]);
    await eventually(
      async () =>
        (await http<{ state: string }>(base, 'GET', `/v1/jobs/${lateJob}`)).body.state ===
        'delayed',
      'the late ingest waits',
    );
    expect(localInputs()).not.toContain(LATE_TEXT);

    release();
    fake.gate = null;
    const [done] = await waitForJobs(base, [jobId]);
    expect(done.state).toBe('completed');
    firstResult = done.result as unknown as ReembedResultBody;
    expect(firstResult).toMatchObject({
      from: 'use-lite',
      to: LOCAL_MODEL,
      documents: 3,
      chunks: before.chunks,
      dimensions: LOCAL_DIMENSIONS,
    });
    expect(firstResult.storeName).toMatch(/^docs\.[0-9a-f]{8}$/);
    const [late] = await waitForJobs(base, [lateJob]);
    expect(late.state).toBe('completed');

    const after = await collection('docs');
    expect(after).toMatchObject({
      embedder: LOCAL_MODEL,
      dimensions: LOCAL_DIMENSIONS,
      documents: 4,
      storeCollection: firstResult.storeName,
    });
    expect(after.reembedding).toBeUndefined();
    expect(after.version).toBeGreaterThan(before.version);
    // Every chunk kept its id, index and text hash.
    expect(await store.listDocumentChunks(firstResult.storeName, 'reference/HTTP2.md')).toEqual(
      refsBefore,
    );
    // The late document went to the new data, embedded by the new embedder.
    const lateChunks = await store.listDocumentChunks(firstResult.storeName, 'late.md');
    expect(lateChunks).toHaveLength(1);
    expect(localInputs()).toContain(LATE_TEXT);
    expect(after.chunks).toBe(before.chunks + 1);
    expect(await store.collectionExists('docs')).toBe(false);
  });

  it('after the switch, searches use the new embedder and data, and no cached result of the old', async () => {
    const storeName = firstResult.storeName;
    // The stored vectors are the local model's (16 dimensions): a chunk's own vector finds it.
    const [chunk] = await store.listDocumentPoints(storeName, 'reference/HTTP2.md');
    const local = await running.app.get(EmbedderRegistry).get(LOCAL_MODEL);
    const [vector] = await local.embed([chunk.text]);
    expect(vector).toHaveLength(LOCAL_DIMENSIONS);
    const [[top]] = await store.search(storeName, [
      { mode: 'dense', vector, limit: 1, exact: true },
    ]);
    expect(top.id).toBe(chunk.id);
    expect(top.score).toBeCloseTo(1, 4);

    const asked = fake.requests.length;
    const dense = await search('docs', { query: QUERY, mode: 'dense', filter: notLate });
    expect(dense.cache).toBe('miss');
    expect(dense.version).toBeGreaterThan(denseBefore.version);
    expect(fake.requests.slice(asked).flatMap((r) => r.input)).toContain(QUERY);
    expect(await search('docs', { query: QUERY, mode: 'dense', filter: notLate })).toMatchObject({
      cache: 'l1',
      version: dense.version,
    });
  });

  it('moves back to use-lite with the CLI: same chunks, same ids, the same dense ranking as before', async () => {
    const cached = await search('docs', { query: QUERY, mode: 'dense', filter: notLate });
    expect(cached.cache).toBe('l1');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await runCli(
      ['node', 'ragline', 'reembed', 'docs', '--embedder', 'use-lite', '--url', base],
      {
        stdout,
        stderr,
        env: {},
        cwd: process.cwd(),
        now: Date.now,
        progressIntervalMs: 0,
        pollMs: 100,
      },
    );
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(err).toContain(`re-embedding docs: ${LOCAL_MODEL} -> use-lite`);
    expect(err).toMatch(/re-embedding 100%/);
    expect(out).toMatch(/^re-embedded 4 documents \(\d+ chunks\) of docs with use-lite \(512/);

    const back = await collection('docs');
    expect(back).toMatchObject({ embedder: 'use-lite', dimensions: 512, documents: 4 });
    expect(back.chunks).toBe(before.chunks + 1);
    expect(back.storeCollection).toMatch(/^docs\.[0-9a-f]{8}$/);
    expect(back.storeCollection).not.toBe(firstResult.storeName);
    expect(await store.collectionExists(firstResult.storeName)).toBe(false);
    expect(await store.listDocumentChunks(back.storeCollection, 'reference/HTTP2.md')).toEqual(
      refsBefore,
    );
    // Nothing but the switch itself changed the collection since the search was cached.
    const dense = await search('docs', { query: QUERY, mode: 'dense', filter: notLate });
    expect(dense.cache).toBe('miss');
    expect(dense.version).toBeGreaterThan(cached.version);
    expect(dense.hits.map((h) => h.id)).toEqual(denseBefore.hits.map((h) => h.id));
  });

  it('a re-embedding whose embedder fails ends failed with its reason; the old collection keeps serving and nothing is left over', async () => {
    expect(
      (await http(base, 'PUT', '/v1/collections/fragile', { embedder: 'use-lite' })).status,
    ).toBe(201);
    const text = 'Fragile notes: the lighthouse keeper logs every passing ship by name.';
    for (const job of await waitForJobs(base, await ingest('fragile', [{ id: 'a.txt', text }])))
      expect(job.state).toBe('completed');
    fake.behaviour = (_request, _attempt, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { message: 'model local-model is not loaded' } }));
      return 'handled';
    };
    try {
      const started = await reembed('fragile', LOCAL_MODEL);
      expect(started.status).toBe(202);
      const jobId = started.body.job?.id as string;
      const [failed] = await waitForJobs(base, [jobId]);
      expect(failed.state).toBe('failed');
      expect(failed.failedReason).toMatch(/not loaded/);
      expect((failed as unknown as { attempts: number }).attempts).toBe(2);
      const dead = await http<{ jobs: { id: string; failedReason: string }[] }>(
        base,
        'GET',
        '/v1/jobs?state=failed&queue=reembed',
      );
      expect(dead.body.jobs.map((j) => j.id)).toContain(jobId);
    } finally {
      fake.behaviour = () => 'respond';
    }

    const kept = await collection('fragile');
    expect(kept).toMatchObject({
      embedder: 'use-lite',
      dimensions: 512,
      storeCollection: 'fragile',
      chunks: 1,
    });
    expect(kept.reembedding).toBeUndefined();
    expect(readdirSync(running.config.dataDir).filter((f) => f.startsWith('fragile.'))).toEqual([]);
    const hits = await search('fragile', { query: 'lighthouse keeper' });
    expect(hits.hits[0].documentId).toBe('a.txt');
    // Writes are no longer held back.
    const [job] = await waitForJobs(
      base,
      await ingest('fragile', [{ id: 'b.txt', text: 'A second note, about tides.' }]),
    );
    expect(job.state).toBe('completed');
  });

  it('a partial copy left by an earlier attempt fails the count check, and the retry starts over', async () => {
    let release = () => undefined as void;
    fake.gate = new Promise<void>((resolve) => (release = resolve));
    const asked = fake.requests.length;
    try {
      const started = await reembed('fragile', LOCAL_MODEL);
      expect(started.status).toBe(202);
      const jobId = started.body.job?.id as string;
      await eventually(async () => fake.requests.length > asked, 'the copy asks the local server');
      const target = (await collection('fragile')).reembedding?.storeCollection as string;
      expect(target).toMatch(/^fragile\.[0-9a-f]{8}$/);
      // A point no document of the catalog has, as a crashed attempt could leave behind.
      await store.upsert(target, [
        {
          id: '00000000-0000-4000-8000-000000000001',
          vector: new Float32Array(LOCAL_DIMENSIONS).fill(0.25),
          documentId: 'leftover.txt',
          chunkIndex: 0,
          text: 'left over by an earlier attempt',
          contentHash: 'x'.repeat(64),
          headingPath: [],
          start: 0,
          end: 31,
          metadata: {},
        },
      ]);
      release();
      fake.gate = null;
      const [done] = await waitForJobs(base, [jobId]);
      expect(done.state).toBe('completed');
      expect((done as unknown as { attempts: number }).attempts).toBe(2);
      expect(done.result).toMatchObject({ documents: 2, chunks: 2, storeName: target });
    } finally {
      release();
      fake.gate = null;
    }
    const moved = await collection('fragile');
    expect(moved).toMatchObject({ embedder: LOCAL_MODEL, documents: 2, chunks: 2 });
    expect(await store.listDocumentChunks(moved.storeCollection, 'leftover.txt')).toEqual([]);
  });
});
