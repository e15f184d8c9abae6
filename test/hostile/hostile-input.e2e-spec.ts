import fc from 'fast-check';
import { hashApiKey } from '../../src/auth/api-keys';
import { http, RunningApp, startApp, tempDataDir, uniquePrefix } from '../support/app-harness';
import { internalsIn } from '../support/internals';
import { ServiceProcess, spawnService, waitFor } from '../support/processes';
import {
  API_VOCABULARY,
  hostileFilter,
  hostileJson,
  hostileNumber,
  hostileString,
  percentEncode,
  plausibleFilter,
  plausibleText,
} from './generators';
import { watchLoopBlocks } from '../support/loop-blocks';

const KEYS = {
  admin: 'hostile-admin-key',
  app: 'hostile-app-key',
  search: 'hostile-search-key',
  wrong: 'not-a-key-at-all',
};
type Who = keyof typeof KEYS | 'none';

interface Probe {
  method: string;
  path: string;
  who: Who;
  body?: unknown;
  /** Bytes sent as they are (with `contentType`), instead of `body` as JSON. */
  raw?: Buffer;
  contentType?: string;
}

interface Answer {
  status: number;
  text: string;
}

interface ErrorBody {
  error: { code: string; message: string };
}

const COLLECTION = 'hostile';
const KNOWN = 'known.md';
const SEED = 1414;
/** Generated inputs per route family: several hundred in all. */
const RUNS = 60;
const MAX_LOOP_DELAY_MS = 100;

const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Who>('app') },
  { weight: 2, arbitrary: fc.constant<Who>('admin') },
  { weight: 1, arbitrary: fc.constantFrom<Who>('search', 'none', 'wrong') },
);

/** Collections a probe may name: never the one holding the known document, for writes. */
const anyCollection = fc.oneof(
  fc.constantFrom(COLLECTION, 'scratch', 'absent', 'Hostile', 'a'.repeat(64)),
  hostileString,
);
const writableCollection = anyCollection.filter((name) => name !== COLLECTION);
const documentId = hostileString.filter((id) => id !== KNOWN);
const path = (...parts: string[]) => parts.map(percentEncode).join('/');

const plausibleDocument = fc.record({
  id: fc.oneof(documentId, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })),
  text: plausibleText,
  metadata: fc.record({
    lang: fc.constantFrom('en', 'de'),
    year: fc.integer({ min: 1990, max: 2030 }),
  }),
});

const documentShape = fc.record(
  {
    id: fc.oneof({ weight: 4, arbitrary: documentId }, hostileJson(API_VOCABULARY, 1)),
    text: fc.oneof(hostileString, hostileJson(API_VOCABULARY, 1)),
    markdown: hostileString,
    html: hostileString,
    url: hostileString,
    metadata: hostileJson(API_VOCABULARY, 4),
  },
  { requiredKeys: ['id'] },
);

const plausibleSearch = fc.record(
  {
    query: plausibleText,
    limit: fc.integer({ min: 1, max: 100 }),
    filter: plausibleFilter,
    mode: fc.constantFrom('dense', 'bm25', 'hybrid'),
  },
  { requiredKeys: ['query'] },
);

const hostileSearch = fc.record(
  {
    query: fc.oneof({ weight: 4, arbitrary: hostileString }, hostileJson(API_VOCABULARY, 1)),
    limit: hostileNumber,
    filter: fc.oneof({ weight: 4, arbitrary: hostileFilter }, hostileJson(API_VOCABULARY, 3)),
    mode: fc.oneof(fc.constantFrom('dense', 'bm25', 'hybrid'), hostileString),
    params: fc.record(
      {
        ef: hostileNumber,
        exact: fc.oneof(fc.boolean(), hostileString),
        weights: fc.record({ dense: hostileNumber, bm25: hostileNumber }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    scoreThreshold: hostileNumber,
    groupBy: fc.oneof(fc.constant('document'), hostileString),
    offset: hostileNumber,
  },
  { requiredKeys: [] },
);

const searchBody = fc.oneof(plausibleSearch, hostileSearch);

const queryString = fc
  .dictionary(
    fc.oneof(fc.constantFrom('state', 'queue', 'offset', 'limit', 'ids'), hostileString),
    hostileString,
    {
      maxKeys: 4,
    },
  )
  .map((q) =>
    Object.entries(q)
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&'),
  );

const jobId = fc.oneof(
  fc.constantFrom(
    'meta',
    'events',
    'id',
    'completed',
    'failed',
    'stalled-check',
    'wait',
    'de',
    'x:logs',
  ),
  hostileString,
);

/** Every route and body shape, grouped so that each family gets its share of the inputs. */
const FAMILIES: Record<string, fc.Arbitrary<Probe>> = {
  'PUT /v1/collections/:name': fc.record({
    method: fc.constant('PUT'),
    path: writableCollection.map((n) => `/v1/collections/${path(n)}`),
    who,
    body: fc.oneof(
      hostileJson(API_VOCABULARY, 3),
      fc.record(
        {
          hnsw: fc.record({ m: hostileNumber, efConstruct: hostileNumber }, { requiredKeys: [] }),
          quantization: hostileString,
          hybrid: fc.oneof(fc.boolean(), hostileString),
          defaultMode: hostileString,
          embedder: hostileString,
          hybridWeights: fc.record({ dense: hostileNumber, bm25: hostileNumber }),
        },
        { requiredKeys: [] },
      ),
    ),
  }),
  'GET and DELETE /v1/collections/:name': fc.record({
    method: fc.constantFrom('GET', 'DELETE'),
    path: writableCollection.map((n) => `/v1/collections/${path(n)}`),
    who,
  }),
  'POST /v1/collections/:name/documents': fc.record({
    method: fc.constant('POST'),
    path: fc
      .oneof(fc.constant(COLLECTION), anyCollection)
      .map((n) => `/v1/collections/${path(n)}/documents`),
    who,
    body: fc.oneof(
      { weight: 3, arbitrary: fc.record({ documents: fc.array(documentShape, { maxLength: 4 }) }) },
      {
        weight: 2,
        arbitrary: fc.record({ documents: fc.array(plausibleDocument, { maxLength: 3 }) }),
      },
      hostileJson(API_VOCABULARY, 3),
    ),
  }),
  'GET and DELETE /v1/collections/:name/documents/:id': fc.record({
    method: fc.constantFrom('GET', 'DELETE'),
    path: fc
      .tuple(anyCollection, documentId)
      .map(([n, id]) => `/v1/collections/${path(n, 'documents', id)}`),
    who,
  }),
  'POST /v1/collections/:name/search': fc.record({
    method: fc.constant('POST'),
    path: fc
      .oneof(fc.constant(COLLECTION), anyCollection)
      .map((n) => `/v1/collections/${path(n)}/search`),
    who,
    body: fc.oneof({ weight: 4, arbitrary: searchBody }, hostileJson(API_VOCABULARY, 3)),
  }),
  'POST /v1/collections/:name/search/batch': fc.record({
    method: fc.constant('POST'),
    path: fc
      .oneof(fc.constant(COLLECTION), anyCollection)
      .map((n) => `/v1/collections/${path(n)}/search/batch`),
    who,
    body: fc.oneof(
      { weight: 3, arbitrary: fc.record({ searches: fc.array(searchBody, { maxLength: 4 }) }) },
      hostileJson(API_VOCABULARY, 3),
    ),
  }),
  'jobs: GET /v1/jobs[/:id], POST retry, DELETE': fc.oneof(
    fc.record({
      method: fc.constantFrom('GET', 'DELETE'),
      path: jobId.map((id) => `/v1/jobs/${path(id)}`),
      who,
    }),
    fc.record({
      method: fc.constant('POST'),
      path: jobId.map((id) => `/v1/jobs/${path(id)}/retry`),
      who,
    }),
    fc.record({
      method: fc.constantFrom('GET'),
      path: queryString.map((q) => `/v1/jobs?${q}`),
      who,
    }),
  ),
  'admin: reembed, tune, admin API, Bull Board API': fc.oneof(
    fc.record({
      method: fc.constant('POST'),
      path: writableCollection.map((n) => `/v1/collections/${path(n)}/reembed`),
      who,
      body: hostileJson(API_VOCABULARY, 2),
    }),
    fc.record({
      method: fc.constantFrom('POST', 'DELETE'),
      path: fc
        .tuple(writableCollection, fc.constantFrom('tune', 'tuning'))
        .map(([n, tail]) => `/v1/admin/collections/${path(n)}/${tail}`),
      who,
      body: hostileJson(API_VOCABULARY, 2),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(fc.constantFrom('config', 'performance', 'collections'), queryString)
        .map(([p, q]) => `/admin/api/${p}?${q.replace('state', 'history')}`),
      who,
    }),
    fc.record({
      method: fc.constant('POST'),
      path: anyCollection.map((n) => `/admin/api/collections/${path(n)}/search`),
      who,
      body: fc.oneof(searchBody, hostileJson(API_VOCABULARY, 2)),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(fc.constantFrom('ingest', 'search', 'nope'), hostileString, hostileString)
        .map(
          ([queue, status, page]) =>
            `/admin/queues/api/queues?activeQueue=${queue}&status=${percentEncode(status)}&page=${percentEncode(page)}`,
        ),
      who,
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(fc.constantFrom('ingest', 'search', 'nope'), jobId)
        .map(([queue, id]) => `/admin/queues/api/queues/${queue}/${path(id)}`),
      who,
    }),
  ),
  'raw bodies: bad JSON, bad UTF-8, other content types': fc.record({
    method: fc.constant('POST'),
    path: fc.constantFrom(
      `/v1/collections/${COLLECTION}/search`,
      `/v1/collections/${COLLECTION}/documents`,
      '/v1/collections/scratch/search/batch',
    ),
    who,
    raw: fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      hostileString.map((s) => Buffer.from(`{"query": "${s}`, 'utf8')),
      fc.constantFrom(
        Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        Buffer.from('\ufeff{"query":"bom"}', 'utf8'),
        Buffer.from('{"__proto__":{"x":1},"query":"p"}'),
        Buffer.from('{"query":"x","limit":1e999}'),
        Buffer.from('['.repeat(100) + ']'.repeat(100)),
        Buffer.from('{"constructor":{"prototype":{"x":1}},"query":"c"}'),
      ),
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/vnd.api+json',
    ),
  }),
};

async function send(base: string, probe: Probe): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (probe.who !== 'none') headers.authorization = `Bearer ${KEYS[probe.who]}`;
  let body: Buffer | string | undefined;
  if (probe.raw) {
    body = probe.raw;
    headers['content-type'] = probe.contentType ?? 'application/json';
  } else if (probe.body !== undefined) {
    body = JSON.stringify(probe.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${probe.path}`, { method: probe.method, headers, body });
  return { status: res.status, text: await res.text() };
}

describe('hostile input (real api in-process, real worker process)', () => {
  const dataDir = tempDataDir('hostile');
  const env = {
    RAGLINE_QUEUE_PREFIX: uniquePrefix('hostile'),
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_API_KEYS: [
      `ops:admin:${hashApiKey(KEYS.admin)}`,
      `app:ingest+search:${hashApiKey(KEYS.app)}`,
      `reader:search:${hashApiKey(KEYS.search)}`,
    ].join(','),
    RAGLINE_EMBED_POOL_SIZE: '1',
    RAGLINE_OPTIMIZER: 'false',
    RAGLINE_INGEST_ATTEMPTS: '2',
    RAGLINE_INGEST_BACKOFF_MS: '200',
    RAGLINE_RATE_LIMIT_SEARCH: '0',
    RAGLINE_RATE_LIMIT_INGEST: '0',
    RAGLINE_RATE_LIMIT_ADMIN: '0',
  };
  let api: RunningApp;
  let worker: ServiceProcess;
  let known: unknown;

  const call = <T>(method: string, route: string, body?: unknown, key: Who = 'app') =>
    http<T>(api.url, method, route, body, {
      headers: key === 'none' ? {} : { authorization: `Bearer ${KEYS[key]}` },
    });
  const knownDocument = async () =>
    (await call('GET', `/v1/collections/${COLLECTION}/documents/${KNOWN}`)).body;

  async function waitForJob(id: string): Promise<{ state: string }> {
    return waitFor(
      async () => {
        const job = await call<{ state: string }>('GET', `/v1/jobs/${id}`);
        return ['completed', 'failed'].includes(job.body.state) ? job.body : undefined;
      },
      `job ${id} to finish`,
      90_000,
      100,
    );
  }

  beforeAll(async () => {
    api = await startApp({ ...env, RAGLINE_ROLE: 'api' });
    worker = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    expect((await call('PUT', `/v1/collections/${COLLECTION}`, {})).status).toBe(201);
    expect((await call('PUT', '/v1/collections/scratch', {})).status).toBe(201);
    const accepted = await call<{ jobs: { id: string }[] }>(
      'POST',
      `/v1/collections/${COLLECTION}/documents`,
      {
        documents: [
          {
            id: KNOWN,
            markdown: '# Known\n\nA document every rejected input must leave exactly as it is.',
            metadata: { lang: 'en', year: 2024, tags: ['a', 'b'] },
          },
        ],
      },
    );
    expect((await waitForJob(accepted.body.jobs[0].id)).state).toBe('completed');
    known = await knownDocument();
    expect(known).toMatchObject({ id: KNOWN });
  });

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.close();
  });

  describe('document ids (issue 14, item 4)', () => {
    it('refuses lone surrogates, so three such ids never collapse into one entry', async () => {
      const res = await call<ErrorBody>('POST', `/v1/collections/${COLLECTION}/documents`, {
        documents: ['\ud800', '\ud801', '\udc00'].map((id) => ({ id, text: 'lone' })),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/documents\[0\]\.id: must be well-formed Unicode/);
    });

    it('refuses ids that no URL can address, and over 512 characters', async () => {
      for (const id of ['.', '..', 'x'.repeat(513)]) {
        const res = await call<ErrorBody>('POST', `/v1/collections/${COLLECTION}/documents`, {
          documents: [{ id, text: 'unreachable' }],
        });
        expect({ id, status: res.status }).toEqual({ id, status: 400 });
      }
    });

    it('reads and deletes every id it accepts, up to 512 characters of any script', async () => {
      const ids = [
        'r'.repeat(101),
        's'.repeat(512),
        '語'.repeat(300),
        '😀'.repeat(256),
        'a/b?c#d%e',
      ];
      const accepted = await call<{ jobs: { id: string }[] }>(
        'POST',
        `/v1/collections/${COLLECTION}/documents`,
        { documents: ids.map((id, i) => ({ id, text: `Document number ${i} with a long id.` })) },
      );
      expect(accepted.status).toBe(202);
      for (const job of accepted.body.jobs)
        expect((await waitForJob(job.id)).state).toBe('completed');
      for (const id of ids) {
        const route = `/v1/collections/${COLLECTION}/documents/${encodeURIComponent(id)}`;
        const got = await call<{ id: string }>('GET', route);
        expect({ id, status: got.status, body: got.body.id }).toEqual({
          id,
          status: 200,
          body: id,
        });
        const removed = await call<{ jobs: { id: string }[] }>('DELETE', route);
        expect({ id, status: removed.status }).toEqual({ id, status: 202 });
        expect((await waitForJob(removed.body.jobs[0].id)).state).toBe('completed');
        expect((await call('GET', route)).status).toBe(404);
      }
    });
  });

  it("answers 404 for job ids naming BullMQ's own keys (issue 14, item 8)", async () => {
    for (const id of ['meta', 'events', 'id', 'completed', 'failed', 'stalled-check', 'wait']) {
      const got = await call<ErrorBody>('GET', `/v1/jobs/${id}`);
      // GET /v1/jobs/events is the job event stream: without ids it is a bad request
      expect({ id, status: got.status }).toEqual({ id, status: id === 'events' ? 400 : 404 });
      const retried = await call<ErrorBody>('POST', `/v1/jobs/${id}/retry`, undefined, 'admin');
      expect({ id, status: retried.status }).toEqual({ id, status: 404 });
    }
  });

  it('answers a body that is not UTF-8 with a 400 that says so (issue 14, item 9)', async () => {
    const res = await send(api.url, {
      method: 'POST',
      path: `/v1/collections/${COLLECTION}/search`,
      who: 'app',
      raw: Buffer.from([
        0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d,
      ]),
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as ErrorBody).error).toEqual({
      code: 'invalid_encoding',
      message: 'body is not valid UTF-8',
    });
  });

  it('survives generated inputs on every route: no 5xx, no internals, no blocked loop, data intact', async () => {
    const loop = watchLoopBlocks();
    const started = Date.now();
    let inputs = 0;
    const statuses: Record<number, number> = {};
    let blocks: ReturnType<ReturnType<typeof watchLoopBlocks>['stop']> | undefined;
    try {
      for (const [family, probes] of Object.entries(FAMILIES)) {
        await fc.assert(
          fc.asyncProperty(probes, async (probe) => {
            inputs++;
            const answer = await send(api.url, probe);
            statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
            const context = `${family}: ${probe.method} ${probe.path} -> ${answer.status} ${answer.text.slice(0, 300)}`;
            expect({ context, server: answer.status >= 500 }).toEqual({ context, server: false });
            // Bull Board's own UI reads its 4xx answers (`{ error: { key } }`): shape left as is.
            if (answer.status >= 400 && !probe.path.startsWith('/admin/queues/')) {
              const error = (JSON.parse(answer.text) as Partial<ErrorBody>).error;
              expect({ context, code: typeof error?.code, message: typeof error?.message }).toEqual(
                {
                  context,
                  code: 'string',
                  message: 'string',
                },
              );
            }
            const request = `${probe.path} ${JSON.stringify(probe.body) ?? ''} ${probe.raw?.toString('latin1') ?? ''}`;
            expect({ context, leaks: internalsIn(answer.text, request, [dataDir]) }).toEqual({
              context,
              leaks: [],
            });
            if (answer.status >= 400) expect(await knownDocument()).toEqual(known);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      }
    } finally {
      blocks = loop.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    const { worst } = blocks;
    console.log(
      `hostile input: ${inputs} generated inputs in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(statuses)}; longest event-loop block ${worst.blockedMs.toFixed(0)} ms (a ${worst.gapMs.toFixed(0)} ms gap, ${worst.cpuMs.toFixed(0)} ms CPU; ${blocks.gaps} ticks over 20 ms late)`,
    );
    expect(inputs).toBeGreaterThanOrEqual(RUNS * Object.keys(FAMILIES).length);
    expect((await http(api.url, 'GET', '/v1/health')).status).toBe(200);
    expect(worker.child.exitCode).toBeNull();
    expect(await knownDocument()).toEqual(known);
    expect(worst.blockedMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });
});
