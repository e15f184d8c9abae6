import {
  EmbeddingDimensionMismatchError,
  EmbeddingRequestError,
  EmptyEmbeddingInputError,
} from './embedding.errors';
import {
  embeddingsEndpoint,
  estimateTokens,
  OpenAiEmbedder,
  type OpenAiEmbedderOptions,
  planRequests,
} from './openai.embedder';
import { backoffMs, retryAfterMs } from './retry-timing';
import { FakeEmbeddingServer } from './testing/fake-embedding-server';
import { dot } from './unit-vector';

describe('OpenAiEmbedder against a local OpenAI-compatible server', () => {
  let server: FakeEmbeddingServer;
  let baseUrl: string;

  const make = (options: Partial<OpenAiEmbedderOptions> = {}): OpenAiEmbedder =>
    new OpenAiEmbedder({
      baseUrl,
      model: 'test-model',
      dimensions: 8,
      backoffBaseMs: 20,
      ...options,
    });

  beforeEach(async () => {
    server = new FakeEmbeddingServer();
    baseUrl = await server.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('returns unit vectors in input order, even when the server answers out of order', async () => {
    server.shuffle = true;
    const embedder = make({ apiKey: 'sk-test' });
    const texts = ['alpha', 'beta', 'gamma', 'delta'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(4);
    texts.forEach((text, i) => {
      const raw = FakeEmbeddingServer.vectorFor(text, 8);
      const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0));
      expect(Array.from(vectors[i])).toEqual(
        Array.from(new Float32Array(raw.map((v) => v / norm))),
      );
      expect(dot(vectors[i], vectors[i])).toBeCloseTo(1, 5);
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      model: 'test-model',
      input: texts,
      authorization: 'Bearer sk-test',
      url: '/v1/embeddings',
    });
    expect(server.requests[0].dimensions).toBeUndefined();
    expect(embedder.id).toBe('openai:test-model');
  });

  it('splits requests by input count and by estimated tokens', async () => {
    const embedder = make({ maxInputsPerRequest: 3, maxTokensPerRequest: 40, concurrency: 1 });
    const texts = [
      'one',
      'two',
      'three',
      'four',
      'x'.repeat(60), // 20 estimated tokens
      'y'.repeat(60),
      'z'.repeat(60),
      'last',
    ];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    const sizes = server.requests.map((r) => r.input.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(texts.length);
    for (const request of server.requests) {
      expect(request.input.length).toBeLessThanOrEqual(3);
      const tokens = request.input.reduce((sum, text) => sum + estimateTokens(text), 0);
      expect(tokens).toBeLessThanOrEqual(40);
    }
    expect(sizes).toEqual([3, 2, 2, 1]);
    expect(server.requests.flatMap((r) => r.input)).toEqual(texts);
  });

  it('sends one oversize input on its own rather than failing', () => {
    expect(planRequests(['a', 'b'.repeat(300), 'c'], 10, 20)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 3 },
    ]);
  });

  it('retries a 429 after the Retry-After seconds it was given', async () => {
    server.behaviour = (_request, attempt, res) => {
      if (attempt > 1) return 'respond';
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      res.end('{"error":{"message":"rate limited"}}');
      return 'handled';
    };
    const started = performance.now();
    const vectors = await make().embed(['hello']);
    const elapsed = performance.now() - started;
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2500);
  });

  it('retries 5xx with backoff and gives up after maxRetries with the status', async () => {
    server.behaviour = (_request, _attempt, res) => {
      res.writeHead(503);
      res.end('overloaded');
      return 'handled';
    };
    const error = await make({ maxRetries: 2 })
      .embed(['hello'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingRequestError);
    expect(error).toMatchObject({ status: 503, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry other 4xx errors', async () => {
    server.behaviour = (_request, _attempt, res) => {
      res.writeHead(400);
      res.end('{"error":{"message":"bad input"}}');
      return 'handled';
    };
    await expect(make().embed(['hello'])).rejects.toMatchObject({ status: 400, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('times out a request that hangs, retries, and succeeds when the server recovers', async () => {
    server.behaviour = (_request, attempt) => (attempt === 1 ? 'handled' : 'respond');
    const started = performance.now();
    const vectors = await make({ timeoutMs: 300 }).embed(['hello']);
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reports a timeout clearly when every attempt hangs', async () => {
    server.behaviour = () => 'handled';
    await expect(make({ timeoutMs: 150, maxRetries: 1 }).embed(['hello'])).rejects.toThrow(
      /timed out after 150 ms/,
    );
    expect(server.requests).toHaveLength(2);
  });

  it('fails with EmbeddingDimensionMismatchError when the server returns another size', async () => {
    server.dimensions = 12;
    const error = await make({ dimensions: 8 })
      .embed(['hello'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingDimensionMismatchError);
    expect(error).toMatchObject({ expected: 8, actual: 12, embedderId: 'openai:test-model' });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects empty texts before sending anything', async () => {
    await expect(make().embed(['ok', '  '])).rejects.toThrow(EmptyEmbeddingInputError);
    expect(server.requests).toHaveLength(0);
  });

  it('fails cleanly when the server cannot be reached', async () => {
    await server.stop();
    const error = await make({ maxRetries: 1 })
      .embed(['hello'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingRequestError);
    expect((error as Error).message).toMatch(/network error/);
    server = new FakeEmbeddingServer();
    await server.start();
  });
});

describe('OpenAI embedder helpers', () => {
  it('accepts the server root, the /v1 base or the full endpoint', () => {
    expect(embeddingsEndpoint('http://localhost:11434')).toBe(
      'http://localhost:11434/v1/embeddings',
    );
    expect(embeddingsEndpoint('https://api.openai.com/v1/')).toBe(
      'https://api.openai.com/v1/embeddings',
    );
    expect(embeddingsEndpoint('http://tei:8080/v1/embeddings')).toBe(
      'http://tei:8080/v1/embeddings',
    );
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now)).toBe(
      3000,
    );
    expect(retryAfterMs(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), now)).toBe(
      0,
    );
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(
      250,
    );
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  it('backs off exponentially with jitter inside [half, full] of the capped delay', () => {
    expect(backoffMs(0, 500, 20_000, () => 0)).toBe(250);
    expect(backoffMs(0, 500, 20_000, () => 1)).toBe(500);
    expect(backoffMs(3, 500, 20_000, () => 0.5)).toBe(3000);
    expect(backoffMs(10, 500, 20_000, () => 1)).toBe(20_000);
  });
});
