import { AsyncLocalStorage } from 'node:async_hooks';
import { CollectionRecords } from '../src/catalog/collection-records';
import { EmbedderRegistry } from '../src/embedding/embedder-registry';
import { IngestPipelineService } from '../src/ingest/ingest-pipeline.service';
import { IngestWorker } from '../src/ingest/ingest.worker';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import { fastifyDocs } from './support/corpus';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';

interface JobsBody {
  jobs: { id: string; documentId: string }[];
}
interface Result {
  chunksAdded: number;
  chunksUpdated: number;
  chunksSkipped: number;
  chunksDeleted: number;
}

describe('ingest end to end (real Redis, real model, real LanceDB)', () => {
  let running: RunningApp;
  let base: string;
  let store: VectorStore;
  const docs = fastifyDocs();

  async function expectedChunks(markdown: string): Promise<number> {
    const embedder = await running.app.get(EmbedderRegistry).get('use-lite');
    return (await running.app.get(IngestPipelineService).chunk('markdown', markdown, embedder))
      .length;
  }

  async function ingest(documents: unknown[]): Promise<Result[]> {
    const res = await http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', { documents });
    expect(res.status).toBe(202);
    const finished = await waitForJobs(
      base,
      res.body.jobs.map((j) => j.id),
    );
    for (const job of finished) expect(job).toMatchObject({ state: 'completed', progress: 100 });
    return finished.map((j) => j.result as unknown as Result);
  }

  beforeAll(async () => {
    running = await startApp();
    base = running.url;
    store = running.app.get<VectorStore>(VECTOR_STORE);
  });

  afterAll(async () => {
    await running?.close();
  });

  it('creates a collection once: 201, then 200 with the same settings, 409 with others', async () => {
    const first = await http<{ name: string; dimensions: number; embedder: string }>(
      base,
      'PUT',
      '/v1/collections/docs',
      {},
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'docs', dimensions: 512, embedder: 'use-lite' });
    expect((await http(base, 'PUT', '/v1/collections/docs', {})).status).toBe(200);
    const other = await http<{ error: { code: string } }>(base, 'PUT', '/v1/collections/docs', {
      quantization: 'none',
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
  });

  it('ingests real documents: every job completes and the store holds exactly the chunker’s chunks', async () => {
    const results = await ingest(docs);
    let total = 0;
    for (const [i, doc] of docs.entries()) {
      const expected = await expectedChunks(doc.markdown);
      expect(expected).toBeGreaterThan(1);
      total += expected;
      expect(results[i]).toMatchObject({
        chunksAdded: expected,
        chunksSkipped: 0,
        chunksDeleted: 0,
      });
      const stored = await store.listDocumentChunks('docs', doc.id);
      expect(stored.map((c) => c.chunkIndex).sort((a, b) => a - b)).toEqual([
        ...Array(expected).keys(),
      ]);
      const record = await http<{ chunks: number; contentHash: string }>(
        base,
        'GET',
        `/v1/collections/docs/documents/${encodeURIComponent(doc.id)}`,
      );
      expect(record.status).toBe(200);
      expect(record.body.chunks).toBe(expected);
    }
    const collection = await http<{ documents: number; chunks: number; version: number }>(
      base,
      'GET',
      '/v1/collections/docs',
    );
    expect(collection.body).toMatchObject({ documents: docs.length, chunks: total });
    expect(collection.body.version).toBeGreaterThanOrEqual(docs.length);
  });

  it('re-ingesting the same documents skips everything', async () => {
    const before = await store.count('docs');
    const results = await ingest(docs);
    for (const r of results) {
      expect(r.chunksAdded + r.chunksUpdated + r.chunksDeleted).toBe(0);
      expect(r.chunksSkipped).toBeGreaterThan(0);
    }
    expect(await store.count('docs')).toBe(before);
  });

  it('a duplicate submission in flight is one job', async () => {
    const doc = {
      id: 'dup.txt',
      text: 'A short note about duplicate submissions of the same content.',
    };
    const [a, b] = await Promise.all([
      http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', { documents: [doc] }),
      http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', { documents: [doc] }),
    ]);
    expect(a.body.jobs[0].id).toBe(b.body.jobs[0].id);
    await waitForJobs(base, [a.body.jobs[0].id]);
    expect(await store.listDocumentChunks('docs', 'dup.txt')).toHaveLength(1);
  });

  it('editing one document changes only its chunks', async () => {
    const edited = docs.map((d) => ({ ...d }));
    edited[1].markdown =
      edited[1].markdown + '\n\n## Appendix\n\nA new closing paragraph about plugin design.\n';
    const results = await ingest(edited);
    const expected = await expectedChunks(edited[1].markdown);
    expect(results[1].chunksAdded).toBeGreaterThanOrEqual(1);
    expect(results[1].chunksSkipped).toBeGreaterThan(0);
    expect(results[1].chunksAdded + results[1].chunksUpdated + results[1].chunksSkipped).toBe(
      expected,
    );
    for (const i of [0, 2, 3]) expect(results[i].chunksAdded + results[i].chunksUpdated).toBe(0);
    expect(await store.listDocumentChunks('docs', edited[1].id)).toHaveLength(expected);
  });

  it('shrinking a document deletes the chunks that no longer exist', async () => {
    const short = {
      id: docs[3].id,
      markdown: '# Lifecycle\n\nNow only one short paragraph remains.',
    };
    const before = (await store.listDocumentChunks('docs', short.id)).length;
    const [result] = await ingest([short]);
    expect(result.chunksDeleted).toBe(before - 1);
    expect(await store.listDocumentChunks('docs', short.id)).toHaveLength(1);
  });

  it('deleting a document removes all its chunks', async () => {
    const id = docs[0].id;
    const res = await http<JobsBody>(
      base,
      'DELETE',
      `/v1/collections/docs/documents/${encodeURIComponent(id)}`,
    );
    expect(res.status).toBe(202);
    const [job] = await waitForJobs(base, [res.body.jobs[0].id]);
    expect(job.state).toBe('completed');
    expect((job.result as unknown as Result).chunksDeleted).toBeGreaterThan(0);
    expect(await store.listDocumentChunks('docs', id)).toHaveLength(0);
    expect(
      (await http(base, 'GET', `/v1/collections/docs/documents/${encodeURIComponent(id)}`)).status,
    ).toBe(404);
  });

  it('a later submission for the same document wins over an earlier one', async () => {
    const id = 'race.md';
    const first = await http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', {
      documents: [{ id, markdown: '# Old\n\nThe first version of this page.' }],
    });
    const del = await http<JobsBody>(base, 'DELETE', `/v1/collections/docs/documents/${id}`);
    const last = await http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', {
      documents: [{ id, markdown: '# New\n\nThe final version of this page wins.' }],
    });
    await waitForJobs(base, [first.body.jobs[0].id, del.body.jobs[0].id, last.body.jobs[0].id]);
    const stored = await store.search('docs', [
      {
        mode: 'bm25',
        text: 'final version page',
        limit: 5,
        filter: { must: [{ key: 'documentId', match: id }] },
      },
    ]);
    expect(stored[0].map((h) => h.text).join(' ')).toContain('final version');
    const record = await http<{ contentHash: string }>(
      base,
      'GET',
      `/v1/collections/docs/documents/${id}`,
    );
    expect(record.status).toBe(200);
  });

  it('an ingest or a delete job reads its collection record once', async () => {
    // Each read of a collection record is put down to the job (if any) whose processing made it.
    const worker = running.app.get(IngestWorker);
    const records = running.app.get(CollectionRecords);
    const runningJob = new AsyncLocalStorage<string>();
    const reads = new Map<string, number>();
    const countRead = () => {
      const job = runningJob.getStore();
      if (job !== undefined) reads.set(job, (reads.get(job) ?? 0) + 1);
    };
    const process = worker.process.bind(worker);
    const readRecord = records.getCollectionRecord.bind(records);
    const readState = records.getCollectionState.bind(records);
    const spies = [
      jest
        .spyOn(worker, 'process')
        .mockImplementation((job, token) =>
          runningJob.run(String(job.id), () => process(job, token)),
        ),
      jest.spyOn(records, 'getCollectionRecord').mockImplementation((name) => {
        countRead();
        return readRecord(name);
      }),
      jest.spyOn(records, 'getCollectionState').mockImplementation((name) => {
        countRead();
        return readState(name);
      }),
    ];
    try {
      const id = 'read-once.md';
      const upsert = await http<JobsBody>(base, 'POST', '/v1/collections/docs/documents', {
        documents: [{ id, markdown: '# Once\n\nA job reads its collection record once.' }],
      });
      const [upserted] = await waitForJobs(base, [upsert.body.jobs[0].id]);
      expect(upserted).toMatchObject({ state: 'completed' });
      expect((upserted.result as unknown as Result).chunksAdded).toBeGreaterThan(0);
      const del = await http<JobsBody>(base, 'DELETE', `/v1/collections/docs/documents/${id}`);
      const [deleted] = await waitForJobs(base, [del.body.jobs[0].id]);
      expect((deleted.result as unknown as Result).chunksDeleted).toBeGreaterThan(0);
      expect(Object.fromEntries(reads)).toEqual({
        [upsert.body.jobs[0].id]: 1,
        [del.body.jobs[0].id]: 1,
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
