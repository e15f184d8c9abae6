import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { CachedEmbedder } from './cached.embedder';
import { EmptyEmbeddingInputError } from './embedding.errors';
import type { Embedder } from './embedder.port';
import { loadSampleTexts, wordChunks } from './sample-texts';
import { normaliseEmbeddingText } from './text-normalisation';
import { UseLiteEmbedder } from './use-lite.embedder';
import { REDIS_URL } from '../redis/testing/shared-redis';

/** Wraps the real embedder and records what reaches it. */
class CountingEmbedder implements Embedder {
  readonly calls: string[][] = [];
  constructor(private readonly inner: Embedder) {}
  get id(): string {
    return this.inner.id;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  get maxInputTokens(): number {
    return this.inner.maxInputTokens;
  }
  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }
  embed(texts: string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embed(texts);
  }
  async close(): Promise<void> {}
}

function bytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** A TCP proxy to the real Redis that can be frozen: a Redis that stops answering. */
async function freezableProxy(
  target: URL,
): Promise<{ port: number; freeze: () => void; close: () => Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.on('data', (data) => frozen || upstream.write(data));
    upstream.on('data', (data) => frozen || client.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('CachedEmbedder (real Redis, real model)', () => {
  const prefix = `ragline-test-${randomUUID()}`;
  const samples = loadSampleTexts();
  const chunks = wordChunks(samples.documents, 200, 6);
  let redis: Redis;
  let model: UseLiteEmbedder;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    model = await UseLiteEmbedder.create({ poolSize: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await model?.close();
  });

  /** A cache under its own key prefix, over a model that records its calls, with each call's stats. */
  function countingCache(name: string) {
    const inner = new CountingEmbedder(model);
    const reported: Array<[number, number, number]> = [];
    const cache = new CachedEmbedder(inner, redis, {
      prefix: `${prefix}:${name}`,
      onStats: (hits, misses, errors) => reported.push([hits, misses, errors]),
    });
    return { inner, cache, reported };
  }

  it('embeds each distinct text once, then serves repeats from Redis bit for bit', async () => {
    const { inner, cache, reported } = countingCache('a');
    const texts = [samples.queries[0], chunks[0], samples.queries[0], chunks[1], chunks[0]];

    const first = await cache.embed(texts);
    expect(inner.calls).toEqual([
      [samples.queries[0], chunks[0], chunks[1]].map(normaliseEmbeddingText),
    ]);
    expect(bytes(first[2]).equals(bytes(first[0]))).toBe(true);
    expect(first[2]).not.toBe(first[0]); // repeats are copies, not aliases

    const second = await cache.embed(texts);
    expect(inner.calls).toHaveLength(1); // no model call
    second.forEach((vector, i) => expect(bytes(vector).equals(bytes(first[i]))).toBe(true));

    expect(reported).toEqual([
      [0, 3, 0],
      [3, 0, 0],
    ]);
    expect(cache.stats()).toEqual({ hits: 3, misses: 3, duplicates: 4, errors: 0 });
  });

  it('stores raw float32 bytes under prefix:emb:id:sha256 with the TTL', async () => {
    const cache = new CachedEmbedder(model, redis, { prefix: `${prefix}:b`, ttlSeconds: 3600 });
    const [vector] = await cache.embed(['  The cache  key uses normalised text ']);
    const key = cache.keyFor('The cache key uses normalised text');
    expect(key).toMatch(new RegExp(`^${prefix}:b:emb:use-lite:[0-9a-f]{64}$`));
    const stored = await redis.getBuffer(key);
    expect(stored).not.toBeNull();
    expect(stored?.length).toBe(512 * 4);
    expect(stored?.equals(bytes(vector))).toBe(true);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('treats an entry of the wrong size as a miss and rewrites it', async () => {
    const inner = new CountingEmbedder(model);
    const cache = new CachedEmbedder(inner, redis, { prefix: `${prefix}:c` });
    await redis.set(cache.keyFor('damaged entry'), Buffer.alloc(10), 'EX', 60);
    const [vector] = await cache.embed(['damaged entry']);
    expect(inner.calls).toHaveLength(1);
    expect((await redis.getBuffer(cache.keyFor('damaged entry')))?.equals(bytes(vector))).toBe(
      true,
    );
  });

  it('rejects empty texts like the embedders do', async () => {
    const cache = new CachedEmbedder(model, redis, { prefix: `${prefix}:d` });
    await expect(cache.embed(['ok', ''])).rejects.toThrow(EmptyEmbeddingInputError);
  });

  it('still embeds when Redis is down, counting the errors', async () => {
    // A port nothing listens on: the client gives up and ends, like a Redis that is down.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const port = typeof address === 'object' && address !== null ? address.port : 1;
    const down = new Redis(port, '127.0.0.1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    await new Promise((resolve) => down.once('end', resolve));
    const inner = new CountingEmbedder(model);
    const cache = new CachedEmbedder(inner, down, { prefix: `${prefix}:e` });
    const vectors = await cache.embed(['redis is down', 'still works']);
    expect(vectors).toHaveLength(2);
    await cache.embed(['redis is down']);
    expect(inner.calls).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 3, errors: 4 });
    expect(down.status).toBe('end'); // (disconnect() on an ended client would arm a 2 s timer)
  });

  it('bypasses a Redis that stops answering after the timeout', async () => {
    const proxy = await freezableProxy(new URL(REDIS_URL));
    const client = new Redis(proxy.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    await client.ping();
    proxy.freeze();
    const cache = new CachedEmbedder(model, client, { prefix: `${prefix}:f`, timeoutMs: 200 });

    // Bulk work (document chunks) waits for the cache's write as well.
    let started = performance.now();
    const [chunk] = await cache.embed(['hung redis, bulk'], { priority: 'bulk' });
    expect(chunk).toHaveLength(512);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390); // read and write, 200 ms each
    expect(cache.stats().errors).toBe(2);

    // A search query waits for the read only; its write's timeout is counted when it comes.
    started = performance.now();
    const [query] = await cache.embed(['hung redis, a query']);
    const elapsed = performance.now() - started;
    expect(query).toHaveLength(512);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(cache.stats().errors).toBe(3); // the write is still waiting
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(cache.stats().errors).toBe(4);
    client.disconnect();
    await proxy.close();
  });

  it('neither reads nor writes Redis for a call that opts out of the shared cache', async () => {
    const { inner, cache, reported } = countingCache('h');
    const [stored] = await cache.embed(['a text already in the cache']);
    const keysBefore = (await redis.keys(`${prefix}:h:*`)).sort();
    expect(keysBefore).toHaveLength(1);

    const texts = ['a text already in the cache', 'a search query'];
    const vectors = await cache.embed(texts, { sharedCache: false });
    expect(inner.calls.at(-1)).toEqual(texts); // the cached text was not read from Redis
    expect(bytes(vectors[0]).equals(bytes(stored))).toBe(true);
    expect((await redis.keys(`${prefix}:h:*`)).sort()).toEqual(keysBefore); // nothing written
    expect(reported).toEqual([[0, 1, 0]]);
  });

  it('does not touch Redis when the TTL is 0 (cache disabled)', async () => {
    const inner = new CountingEmbedder(model);
    const cache = new CachedEmbedder(inner, redis, { prefix: `${prefix}:g`, ttlSeconds: 0 });
    await cache.embed(['not cached']);
    await cache.embed(['not cached']);
    expect(inner.calls).toHaveLength(2);
    expect(await redis.keys(`${prefix}:g:*`)).toEqual([]);
  });
});
