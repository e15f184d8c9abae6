import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('ingest input validation (real HTTP)', () => {
  let running: RunningApp;
  let base: string;
  let store: VectorStore;

  beforeAll(async () => {
    running = await startApp({
      RAGLINE_MAX_BODY_BYTES: String(64 * 1024),
      RAGLINE_MAX_DOCUMENT_BYTES: '4096',
      RAGLINE_MAX_DOCUMENTS_PER_REQUEST: '3',
    });
    base = running.url;
    store = running.app.get<VectorStore>(VECTOR_STORE);
    expect((await http(base, 'PUT', '/v1/collections/notes', {})).status).toBe(201);
    const res = await http<{ jobs: { id: string }[] }>(
      base,
      'POST',
      '/v1/collections/notes/documents',
      {
        documents: [{ id: 'kept.txt', text: 'This note must survive every bad request below.' }],
      },
    );
    await waitForJobs(
      base,
      res.body.jobs.map((j) => j.id),
    );
  });

  afterAll(async () => {
    await running?.close();
  });

  const post = (body: unknown, path = '/v1/collections/notes/documents') =>
    http<ErrorBody>(base, 'POST', path, body);

  const cases: [string, () => Promise<{ status: number; body: ErrorBody }>, number, RegExp][] = [
    [
      'an empty document list',
      () => post({ documents: [] }),
      400,
      /documents: must hold at least one document/,
    ],
    ['a missing documents field', () => post({}), 400, /documents: is required/],
    [
      'a document without id',
      () => post({ documents: [{ text: 'x' }] }),
      400,
      /documents\[0\]\.id: is required/,
    ],
    [
      'two content fields',
      () => post({ documents: [{ id: 'a', text: 'x', markdown: 'y' }] }),
      400,
      /documents\[0\]: needs exactly one of text, markdown, html, url \(got text and markdown\)/,
    ],
    [
      'no content field',
      () => post({ documents: [{ id: 'a' }] }),
      400,
      /documents\[0\]: needs exactly one/,
    ],
    [
      'an empty text',
      () =>
        post({
          documents: [
            { id: 'a', text: 'x' },
            { id: 'b', text: '' },
          ],
        }),
      400,
      /documents\[1\]\.text: is empty or only whitespace/,
    ],
    [
      'whitespace-only Markdown',
      () => post({ documents: [{ id: 'a', markdown: ' \n\t\n ' }] }),
      400,
      /documents\[0\]\.markdown: is empty or only whitespace/,
    ],
    [
      'whitespace-only HTML',
      () => post({ documents: [{ id: 'a', html: '   ' }] }),
      400,
      /documents\[0\]\.html: is empty or only whitespace/,
    ],
    [
      'an unknown field',
      () => post({ documents: [{ id: 'a', text: 'x', body: 'y' }] }),
      400,
      /documents\[0\]: Unrecognized key.*body/,
    ],
    [
      'a url document that is not http(s)',
      () => post({ documents: [{ id: 'a', url: 'file:///etc/passwd' }] }),
      400,
      /documents\[0\]\.url: must be an absolute http\(s\) URL/,
    ],
    [
      'a repeated id',
      () =>
        post({
          documents: [
            { id: 'a', text: 'x' },
            { id: 'a', text: 'y' },
          ],
        }),
      400,
      /documents\[1\]\.id: 'a' repeats documents\[0\]\.id/,
    ],
    [
      'a forbidden metadata key',
      () =>
        http<ErrorBody>(base, 'POST', '/v1/collections/notes/documents', undefined, {
          headers: { 'content-type': 'application/json' },
          raw: '{"documents":[{"id":"a","text":"x","metadata":{"constructor":{"prototype":1}}}]}',
        }),
      400,
      /constructor/,
    ],
    [
      'a control character in the id',
      () => post({ documents: [{ id: 'a\u0001b', text: 'x' }] }),
      400,
      /documents\[0\]\.id: must not contain control characters/,
    ],
    [
      'an unknown collection',
      () => post({ documents: [{ id: 'a', text: 'x' }] }, '/v1/collections/missing/documents'),
      404,
      /collection 'missing' not found/,
    ],
    [
      'an invalid collection name',
      () => post({ documents: [{ id: 'a', text: 'x' }] }, '/v1/collections/Bad!Name/documents'),
      400,
      /collection name: must match/,
    ],
    [
      'too many documents',
      () => post({ documents: [1, 2, 3, 4].map((i) => ({ id: `d${i}`, text: 'x' })) }),
      413,
      /4 documents in one request; at most 3/,
    ],
    [
      'a document over the size limit',
      () => post({ documents: [{ id: 'big', text: 'x'.repeat(5000) }] }),
      413,
      /documents\[0\]: 5000 bytes of content; at most 4096/,
    ],
    [
      'a body over the limit',
      () => post({ documents: [{ id: 'huge', text: 'y'.repeat(70 * 1024) }] }),
      413,
      /larger than the limit/,
    ],
    [
      'a non-JSON body',
      () =>
        http<ErrorBody>(base, 'POST', '/v1/collections/notes/documents', undefined, {
          headers: { 'content-type': 'application/json' },
          raw: '{"documents": [',
        }),
      400,
      /not valid JSON/,
    ],
    [
      'a wrong content type',
      () =>
        http<ErrorBody>(base, 'POST', '/v1/collections/notes/documents', undefined, {
          headers: { 'content-type': 'text/plain' },
          raw: 'hello',
        }),
      415,
      /content-type: application\/json/,
    ],
    [
      'a prototype-poisoned body',
      () =>
        http<ErrorBody>(base, 'POST', '/v1/collections/notes/documents', undefined, {
          headers: { 'content-type': 'application/json' },
          raw: '{"documents":[],"__proto__":{"x":1}}',
        }),
      400,
      /./,
    ],
  ];

  it.each(cases)(
    'answers %s with a clear error and leaves the store unchanged',
    async (_label, send, status, reason) => {
      const before = {
        count: await store.count('notes'),
        collection: (await http<{ version: number }>(base, 'GET', '/v1/collections/notes')).body
          .version,
      };
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(reason);
      expect(typeof res.body.error.code).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+|node_modules/);
      expect(await store.count('notes')).toBe(before.count);
      expect(
        (await http<{ version: number }>(base, 'GET', '/v1/collections/notes')).body.version,
      ).toBe(before.collection);
      expect(await store.listDocumentChunks('notes', 'kept.txt')).toHaveLength(1);
    },
  );

  it('sends security headers and no CORS grant by default', async () => {
    const res = await fetch(`${base}/v1/health`, {
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown jobs and documents with 404', async () => {
    expect((await http<ErrorBody>(base, 'GET', '/v1/jobs/nope')).status).toBe(404);
    expect(
      (await http<ErrorBody>(base, 'GET', '/v1/collections/notes/documents/nope')).status,
    ).toBe(404);
    expect((await http<ErrorBody>(base, 'GET', '/v1/collections/nope')).status).toBe(404);
  });
});
