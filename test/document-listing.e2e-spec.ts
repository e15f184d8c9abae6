import type Redis from 'ioredis';
import { CatalogKeys } from '../src/catalog/catalog-keys';
import { DocumentRecords } from '../src/catalog/document-records';
import type { DocumentRecord } from '../src/catalog/catalog.types';
import type { DocumentPage as DocumentListResponse } from '../src/contract/documents';
import { REDIS } from '../src/redis/redis.module';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';

interface ErrorBody {
  error: { code: string; message: string };
}

const record = (id: string): DocumentRecord => ({
  id,
  format: 'text',
  contentHash: `hash-${id}`,
  chunks: 1,
  metadata: { n: id },
  updatedAt: new Date(0).toISOString(),
});

describe('GET /v1/collections/:name/documents (real app, real Redis)', () => {
  let app: RunningApp;
  let documentRecords: DocumentRecords;
  const firstPage = (collection: string) =>
    http<DocumentListResponse>(app.url, 'GET', `/v1/collections/${collection}/documents`);

  /** Every page of a listing, `limit` at a time; `between` runs after each page. */
  async function walk(
    collection: string,
    limit: number,
    between: (page: number) => Promise<void> = async () => undefined,
  ): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await http<DocumentListResponse>(
        app.url,
        'GET',
        `/v1/collections/${collection}/documents${query}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.documents.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.documents.map((d) => d.id));
      cursor = res.body.nextCursor;
      await between(++pages);
    } while (cursor);
    return { ids, pages };
  }

  beforeAll(async () => {
    app = await startApp();
    documentRecords = app.app.get(DocumentRecords);
  });
  afterAll(() => app?.close());

  it('lists ingested documents with their chunks, hash, time and metadata, and forgets deleted ones', async () => {
    expect((await http(app.url, 'PUT', '/v1/collections/listed', {})).status).toBe(201);
    const ingest = await http<{ jobs: { id: string }[] }>(
      app.url,
      'POST',
      '/v1/collections/listed/documents',
      {
        documents: [
          { id: 'b.md', markdown: '# B\n\nSecond document.', metadata: { lang: 'en' } },
          { id: 'a.txt', text: 'First document, plain text.' },
          { id: 'c.html', html: '<p>Third document.</p>' },
        ],
      },
    );
    await waitForJobs(
      app.url,
      ingest.body.jobs.map((j) => j.id),
    );
    const res = await firstPage('listed');
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.documents.map((d) => d.id)).toEqual(['a.txt', 'b.md', 'c.html']);
    expect(res.body.documents[1]).toEqual({
      id: 'b.md',
      chunks: 1,
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      metadata: { lang: 'en' },
    });

    const removed = await http<{ jobs: { id: string }[] }>(
      app.url,
      'DELETE',
      '/v1/collections/listed/documents/b.md',
    );
    await waitForJobs(
      app.url,
      removed.body.jobs.map((j) => j.id),
    );
    const after = await firstPage('listed');
    expect(after.body.documents.map((d) => d.id)).toEqual(['a.txt', 'c.html']);
  }, 60_000);

  it('walks a large collection page by page, each stored document exactly once, while others are written', async () => {
    expect((await http(app.url, 'PUT', '/v1/collections/busy', {})).status).toBe(201);
    const id = (i: number) => `doc-${String(i).padStart(4, '0')}`;
    const stable = Array.from({ length: 400 }, (_, i) => id(i * 2));
    const doomed = Array.from({ length: 100 }, (_, i) => id(i * 8 + 1));
    for (const d of [...stable, ...doomed]) await documentRecords.putDocument('busy', record(d));

    // Between pages: new documents land everywhere in the order, doomed ones go, and stable
    // ones are rewritten (an update must not move or repeat them).
    let added = 0;
    const { ids, pages } = await walk('busy', 37, async (page) => {
      for (let k = 0; k < 5; k++)
        await documentRecords.putDocument('busy', record(id(1000 + added++)));
      await documentRecords.putDocument('busy', record(stable[(page * 13) % stable.length]));
      const goner = doomed[page];
      if (goner) await documentRecords.removeDocument('busy', goner);
      await documentRecords.putDocument('busy', record(`${id(page * 50)}-late`));
    });

    expect(pages).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const listed = new Set(ids);
    expect(stable.filter((s) => !listed.has(s))).toEqual([]);
    expect(listed.has(doomed[0])).toBe(true); // removed only after the first page
  }, 60_000);

  it('lists documents recorded before the index existed (an upgrade), then keeps both in step', async () => {
    expect((await http(app.url, 'PUT', '/v1/collections/legacy', {})).status).toBe(201);
    const redis = app.app.get<Redis>(REDIS);
    // The catalog's own key for the records, whatever its layout.
    const docsKey = new CatalogKeys(app.config.prefix).of('legacy', 'docs');
    for (const d of ['x', 'y', 'z']) await redis.hset(docsKey, d, JSON.stringify(record(d)));
    await documentRecords.putDocument('legacy', record('w'));
    expect((await walk('legacy', 2)).ids).toEqual(['w', 'x', 'y', 'z']);
    await documentRecords.removeDocument('legacy', 'x');
    expect((await walk('legacy', 10)).ids).toEqual(['w', 'y', 'z']);
  });

  it.each([
    ['limit 0', '?limit=0', 400, /query\.limit: must be an integer from 1 to 1000/],
    ['limit 1001', '?limit=1001', 400, /query\.limit/],
    ['a forged cursor', '?cursor=not-a-cursor', 400, /query\.cursor: is not a cursor/],
    ['an unknown parameter', '?page=2', 400, /query: Unrecognized key/],
  ])('answers %s with 400 naming the parameter', async (_what, query, status, message) => {
    const res = await http<ErrorBody>(app.url, 'GET', `/v1/collections/listed/documents${query}`);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for an unknown collection', async () => {
    const res = await http<ErrorBody>(app.url, 'GET', '/v1/collections/nope/documents');
    expect(res.status).toBe(404);
  });
});
