import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../common/seeded-random';
import { matchesFilter } from '../filter';
import type { Filter } from '../filter.types';
import { LanceDbStore } from '../lancedb.store';
import type { StoredPoint } from '../vector-store.port';

const DIMS = 8;
const TOPICS = ['rivers', 'mountains', 'deserts', 'forests'];
const LANGS = ['en', 'fr', 'de'];

/**
 * Issue 14 item 7: on two long-lived collections a BM25 search with a filter missed rows that
 * the same search unfiltered, and a dense search with the filter, found. Suspected: rows the
 * full-text index does not cover yet (written after it was built) skipped under a prefilter.
 * This table lives long: merge-insert updates that move rows, deleted chunks, rounds written
 * without folding (bulk load) so up to ~100 rows sit outside the indexes, compaction and index
 * updates, b-tree indexed document ids, and a second store (another process) reading. Every
 * filtered BM25 search must return exactly the live rows that hold a term and pass the filter.
 */
describe('LanceDB BM25 with a filter on a long-lived table (on disk)', () => {
  let dir: string;
  let store: LanceDbStore;
  /** Another process's view of the same directory (the API or a search worker). */
  let reader: LanceDbStore;
  const random = seededRandom(7);
  /** What the table should hold: id -> point. */
  const live = new Map<string, StoredPoint>();

  function docPoints(doc: number, version: number): StoredPoint[] {
    const chunks = 1 + ((doc + version) % 4);
    return Array.from({ length: chunks }, (_, c) => ({
      id: `d${doc}-c${c}`,
      vector: Float32Array.from({ length: DIMS }, () => random() * 2 - 1),
      documentId: `d${doc}`,
      chunkIndex: c,
      text: `version ${version} of chunk ${c} about ${TOPICS[(doc + version + c) % TOPICS.length]} and words`,
      contentHash: `h${doc}-${version}-${c}`,
      headingPath: [],
      start: 0,
      end: 1,
      metadata: { lang: LANGS[(doc + version) % LANGS.length], version, doc },
    }));
  }

  const recent: string[] = [];

  async function upsertDoc(doc: number, version: number): Promise<void> {
    recent.unshift(`d${doc}`);
    for (const [id, p] of live) if (p.documentId === `d${doc}`) live.delete(id);
    const pts = docPoints(doc, version);
    // As the ingest pipeline does: changed chunks merge-inserted by id (an update moves the
    // row), chunks past the new end deleted.
    await store.upsert('c', pts);
    const stale = (await store.listDocumentChunks('c', `d${doc}`))
      .map((c) => c.id)
      .filter((id) => !pts.some((p) => p.id === id));
    if (stale.length) await store.deleteByIds('c', stale);
    for (const p of pts) live.set(p.id, p);
  }

  async function check(label: string): Promise<string[]> {
    const problems: string[] = [];
    const docs = [...new Set([...live.values()].map((p) => p.documentId))].sort();
    const filters: Array<[string, Filter]> = [
      ...LANGS.map((lang): [string, Filter] => [
        lang,
        { must: [{ key: 'metadata.lang', match: lang }] },
      ]),
      ['doc', { must: [{ key: 'documentId', match: docs[docs.length - 1] }] }],
      [
        'docs',
        { must: [{ key: 'documentId', match: { any: docs.filter((_, i) => i % 7 === 0) } }] },
      ],
      ['last-doc', { must: [{ key: 'documentId', match: recent[0] }] }],
      ['last-docs', { must: [{ key: 'documentId', match: { any: recent.slice(0, 5) } }] }],
      ['last-version', { must: [{ key: 'metadata.doc', match: Number(recent[0].slice(1)) }] }],
      ['recent', { must: [{ key: 'metadata.version', range: { gte: 1 } }] }],
      ['not-en', { mustNot: [{ key: 'metadata.lang', match: 'en' }] }],
    ];
    for (const term of [...TOPICS, 'words', 'mountain', 'rivers deserts']) {
      for (const [lang, filter] of filters) {
        const expected = [...live.values()]
          .filter(
            (p) => term.split(' ').some((t) => p.text.includes(t)) && matchesFilter(filter, p),
          )
          .map((p) => p.id)
          .sort();
        const [hits, unfiltered, top10] = await reader.search('c', [
          { mode: 'bm25', text: term, limit: 1000, filter },
          { mode: 'bm25', text: term, limit: 1000 },
          { mode: 'bm25', text: term, limit: 10, filter },
        ]);
        const got = hits.map((h) => h.id).sort();
        const missing = expected.filter((id) => !got.includes(id));
        const extra = got.filter((id) => !expected.includes(id));
        if (missing.length || extra.length) {
          const unf = new Set(unfiltered.map((h) => h.id));
          problems.push(
            `${label} ${term}/${lang}: expected ${expected.length}, got ${got.length}, missing ${missing.length} (${missing.filter((id) => unf.has(id)).length} found unfiltered), extra ${extra.length}`,
          );
        }
        const wrong = top10.filter((h) => !expected.includes(h.id)).length;
        if (top10.length !== Math.min(10, expected.length) || wrong) {
          problems.push(
            `${label} ${term}/${lang} limit 10: got ${top10.length} of ${Math.min(10, expected.length)}, ${wrong} not matching`,
          );
        }
      }
    }
    return problems;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragline-bm25-long-'));
    store = await LanceDbStore.open({
      dataDir: dir,
      indexThreshold: 100,
      readConsistencyIntervalMs: 0,
    });
    await store.ensureCollection({
      name: 'c',
      dimensions: DIMS,
      distance: 'cosine',
      hnsw: { m: 16, efConstruct: 100 },
      quantization: 'int8',
      hybrid: true,
    });
    reader = await LanceDbStore.open({ dataDir: dir, indexThreshold: 100 });
  });

  afterAll(async () => {
    await reader.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds every matching row after many upserts, deletes and appends', async () => {
    const problems: string[] = [];
    const unindexedSeen: number[] = [];
    for (let doc = 0; doc < 150; doc++) await upsertDoc(doc, 0);
    await store.waitForIndexing('c');
    await store.optimize('c');
    problems.push(...(await check('fresh')));
    for (let round = 1; round <= 9; round++) {
      // Some rounds write without folding into the indexes (as a bulk load does).
      await store.setBulkLoad('c', round % 3 !== 0);
      for (let k = 0; k < 15; k++) await upsertDoc(Math.floor(random() * 170), round);
      if (round % 4 === 0) {
        await store.waitForIndexing('c');
        await store.optimize('c');
      }
      const info = await store.info('c');
      unindexedSeen.push(info?.unindexedRows ?? -1);
      problems.push(...(await check(`round ${round}`)));
    }
    console.log(`unindexed rows at each check: ${unindexedSeen.join(', ')}`);
    // The checks ran with rows the FTS index did not cover yet, and with none.
    expect(Math.max(...unindexedSeen)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
