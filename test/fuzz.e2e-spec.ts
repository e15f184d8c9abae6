import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';
import { seededRandom } from '../src/common/seeded-random';
import { API_VOCABULARY } from './hostile/generators';

const HOSTILE_STRINGS = [
  "x' OR 1=1 --",
  '"; DROP TABLE chunks; --',
  '../../etc/passwd',
  '%2e%2e%2f',
  '__proto__',
  'constructor',
  '\u0000\u0001\u001f',
  '\ud800',
  '😀'.repeat(50),
  '<script>alert(1)</script>',
  'a'.repeat(5000),
  '${jndi:ldap://x}',
  'NaN',
  '-0',
  '1e309',
  ' ',
  '',
];

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 101, 4097][
        Math.floor(rand() * 8)
      ];
    case 3:
    case 4:
      return HOSTILE_STRINGS[Math.floor(rand() * HOSTILE_STRINGS.length)];
    case 5:
      return Math.floor(rand() * 1000).toString(36);
    case 6:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: {
      // The API's vocabulary, without the two keys the JSON parser refuses outright.
      const keys = API_VOCABULARY.filter((k) => k !== '__proto__' && k !== 'constructor');
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--)
        out[keys[Math.floor(rand() * keys.length)]] = randomValue(rand, depth + 1);
      return out;
    }
  }
}

function deepNest(levels: number): string {
  return '{"filter":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Bodies a careless or hostile client might send; mostly invalid, some valid by chance. */
function randomBody(rand: () => number): { raw: string; contentType: string } {
  const r = rand();
  if (r < 0.05) return { raw: deepNest(2000), contentType: 'application/json' };
  if (r < 0.1)
    return {
      raw: '{"documents":[{"id":"a","text":"x","__proto__":{"polluted":1}}]}',
      contentType: 'application/json',
    };
  if (r < 0.15)
    return { raw: String(randomValue(rand)).slice(0, 100) + '{', contentType: 'application/json' };
  if (r < 0.2) return { raw: 'query=x&limit=3', contentType: 'application/x-www-form-urlencoded' };
  if (r < 0.3) {
    const docs = Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, 1));
    return { raw: JSON.stringify({ documents: docs }), contentType: 'application/json' };
  }
  if (r < 0.45) {
    const query = randomValue(rand, 2);
    return {
      raw: JSON.stringify({
        query,
        limit: randomValue(rand, 4),
        filter: randomValue(rand, 1),
        mode: randomValue(rand, 4),
      }),
      contentType: 'application/json',
    };
  }
  return { raw: JSON.stringify(randomValue(rand)) ?? 'null', contentType: 'application/json' };
}

/** Percent-encodes a path segment; a lone surrogate becomes invalid UTF-8, itself a hostile case. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function randomSegment(rand: () => number): string {
  const options = [
    'kept',
    'fuzz',
    'Bad Name',
    '..',
    '%2e%2e',
    'a'.repeat(70),
    encodeSegment(HOSTILE_STRINGS[Math.floor(rand() * HOSTILE_STRINGS.length)] || 'x'),
    'missing',
  ];
  return options[Math.floor(rand() * options.length)];
}

describe('a fuzz run against every endpoint (real HTTP)', () => {
  let running: RunningApp;
  let store: VectorStore;

  beforeAll(async () => {
    running = await startApp({ RAGLINE_SEARCH_TIMEOUT_MS: '5000' });
    store = running.app.get<VectorStore>(VECTOR_STORE);
    expect((await http(running.url, 'PUT', '/v1/collections/kept', {})).status).toBe(201);
    const res = await http<{ jobs: { id: string }[] }>(
      running.url,
      'POST',
      '/v1/collections/kept/documents',
      {
        documents: [
          {
            id: 'anchor.txt',
            text: 'The anchor document must survive every request of the fuzz run.',
            metadata: { lang: 'en' },
          },
        ],
      },
    );
    await waitForJobs(
      running.url,
      res.body.jobs.map((j) => j.id),
    );
  });

  afterAll(async () => {
    await running?.close();
  });

  it('answers 1,200 random and hostile requests without a 5xx, and loses nothing', async () => {
    const rand = seededRandom(20261125);
    const before = {
      chunks: await store.count('kept'),
      anchor: await store.listDocumentChunks('kept', 'anchor.txt'),
    };
    const routes: ((seg: string, seg2: string) => [string, string])[] = [
      (s) => ['PUT', `/v1/collections/${s}`],
      (s) => ['GET', `/v1/collections/${s}`],
      (s) => ['POST', `/v1/collections/${s}/documents`],
      (s, d) => ['DELETE', `/v1/collections/${s}/documents/${d}`],
      (s, d) => ['GET', `/v1/collections/${s}/documents/${d}`],
      (s) => ['POST', `/v1/collections/${s}/search`],
      (s) => ['POST', `/v1/collections/${s}/search/batch`],
      (s) => ['GET', `/v1/jobs/${s}`],
      (s) => ['POST', `/v1/jobs/${s}/retry`],
      (s) => ['GET', `/v1/jobs?state=${s}&queue=${s}`],
      () => ['GET', '/v1/collections'],
    ];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1200; i++) {
      const collection = randomSegment(rand);
      // deletes only ever name documents that do not exist, so the anchor stays
      const documentId = `fuzz-${Math.floor(rand() * 1e6)}`;
      const [method, path] = routes[Math.floor(rand() * routes.length)](
        collection === 'kept' && rand() < 0.5 ? 'kept' : collection,
        documentId,
      );
      const body = method === 'GET' || method === 'DELETE' ? undefined : randomBody(rand);
      const safePath = method === 'PUT' && collection === 'kept' ? '/v1/collections/fuzz' : path;
      const res = await http(
        running.url,
        method,
        safePath,
        undefined,
        body ? { headers: { 'content-type': body.contentType }, raw: body.raw } : {},
      );
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 && res.status !== 504 && res.status !== 503)
        failures.push(
          `${method} ${safePath} ${body?.raw.slice(0, 200)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
        );
      if (res.status >= 400) {
        const error = (res.body as { error?: { code?: unknown; message?: unknown } })?.error;
        if (typeof error?.code !== 'string' || typeof error?.message !== 'string')
          failures.push(
            `${method} ${safePath.slice(0, 120)} -> ${res.status} without the error shape`,
          );
        if (/\bat .*:\d+:\d+|node_modules|\/work\//.test(JSON.stringify(res.body)))
          failures.push(`${method} ${safePath.slice(0, 120)} leaked internals`);
      }
    }
    expect(failures).toEqual([]);
    expect((await http(running.url, 'GET', '/v1/health')).status).toBe(200);
    expect(await store.count('kept')).toBe(before.chunks);
    expect(await store.listDocumentChunks('kept', 'anchor.txt')).toEqual(before.anchor);
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });
});
