import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBreaker, CircuitOpenError } from '../resilience/circuit-breaker';
import { BreakerStore } from './breaker.store';
import { LanceDbStore } from './lancedb.store';
import { isStoreOutage } from './store-failures';
import type { CollectionSpec, StoredPoint } from './vector-store.port';

const DIMS = 8;
const COOLDOWN_MS = 5000;

const spec = (name: string): CollectionSpec => ({
  name,
  dimensions: DIMS,
  distance: 'cosine',
  hnsw: { m: 16, efConstruct: 100 },
  quantization: 'none',
  hybrid: true,
});

const point = (i: number): StoredPoint => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  vector: Float32Array.from({ length: DIMS }, (_, d) => (d === i % DIMS ? 1 : 0)),
  documentId: 'doc',
  chunkIndex: i,
  text: `chunk ${i} about rivers`,
  contentHash: `h${i}`,
  headingPath: [],
  start: 0,
  end: 1,
  metadata: {},
});

const dense = { mode: 'dense' as const, vector: point(1).vector, limit: 3 };

/** The real LanceDB store behind the breakers; faults are real files gone missing. */
describe('BreakerStore over LanceDB', () => {
  let dir: string;
  let inner: LanceDbStore;
  let now = 0;
  let reads: CircuitBreaker;
  let writes: CircuitBreaker;
  let store: BreakerStore;

  const breaker = (name: string) =>
    new CircuitBreaker({
      name,
      failureThreshold: 2,
      failureRate: 0,
      windowMs: 10_000,
      minimumCalls: 10,
      cooldownMs: COOLDOWN_MS,
      trialCalls: 1,
      isFailure: isStoreOutage,
      now: () => now,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragline-breaker-store-'));
    inner = await LanceDbStore.open({ dataDir: dir });
  });

  beforeEach(() => {
    now = 1_000_000;
    reads = breaker('store-read');
    writes = breaker('store-write');
    store = new BreakerStore(inner, reads, writes);
  });

  afterAll(async () => {
    await inner.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes calls through and does not count caller errors', async () => {
    await store.ensureCollection(spec('plain'));
    await store.upsert('plain', [point(1), point(2)]);
    expect(await store.count('plain')).toBe(2);
    expect((await store.search('plain', [dense]))[0][0].chunkIndex).toBe(1);
    expect(store.kind).toBe('lancedb');
    for (let i = 0; i < 3; i++) {
      await expect(store.search('missing', [dense])).rejects.toThrow(/does not exist/);
      await expect(
        store.search('plain', [{ ...dense, filter: { must: [{ key: '', match: 1 }] } }]),
      ).rejects.toThrow();
      await expect(store.ensureCollection({ ...spec('plain'), dimensions: 4 })).rejects.toThrow();
    }
    expect(reads.state).toBe('closed');
    expect(writes.state).toBe('closed');
  });

  it('opens the read circuit when the data files are gone, keeps writes apart, and closes after recovery', async () => {
    await store.ensureCollection(spec('lost'));
    await store.upsert('lost', [point(1), point(2)]);
    await store.search('lost', [dense]);
    const data = join(dir, 'lost.lance', 'data');
    await rename(data, `${data}.away`);
    try {
      for (let i = 0; i < 2; i++) {
        await expect(store.search('lost', [dense])).rejects.toThrow(/LanceError\(IO\)/);
      }
      expect(reads.state).toBe('open');
      await expect(store.listDocumentChunks('lost', 'doc')).rejects.toBeInstanceOf(
        CircuitOpenError,
      );
      // other calls still run: writes have their own circuit, and ping is never refused
      await store.ensureCollection(spec('other'));
      expect(writes.state).toBe('closed');
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await rename(`${data}.away`, data);
    }
    await expect(store.search('lost', [dense])).rejects.toBeInstanceOf(CircuitOpenError);
    now += COOLDOWN_MS;
    expect(reads.state).toBe('half-open');
    expect((await store.search('lost', [dense]))[0]).toHaveLength(2);
    expect(reads.state).toBe('closed');
  });
});

describe('isStoreOutage', () => {
  const named = (name: string, extra: object = {}) =>
    Object.assign(new Error(name), { name, ...extra });

  it('counts I/O errors, timeouts, 5xx and 429, not caller errors or other 4xx', () => {
    expect(isStoreOutage(new Error('LanceError(IO): Operation not permitted (os error 1)'))).toBe(
      true,
    );
    expect(isStoreOutage(named('AbortError'))).toBe(true);
    expect(isStoreOutage(named('QdrantRequestError', { status: 503 }))).toBe(true);
    expect(isStoreOutage(named('QdrantRequestError', { status: 429 }))).toBe(true);
    expect(isStoreOutage(named('QdrantRequestError', { status: 400 }))).toBe(false);
    expect(isStoreOutage(named('QdrantRequestError', { status: 404 }))).toBe(false);
    for (const caller of [
      'FilterValidationError',
      'CollectionNotFoundError',
      'SearchRequestError',
      'PointValidationError',
      'CollectionConflictError',
      'QdrantFilterError',
    ]) {
      expect(isStoreOutage(named(caller))).toBe(false);
    }
  });
});
