import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, CircuitOpenError } from '../resilience/circuit-breaker';
import { BreakerEmbedder, isEmbedderOutage } from './breaker.embedder';
import { EmbeddingDimensionMismatchError, EmbeddingRequestError } from './embedding.errors';
import { OpenAiEmbedder } from './openai.embedder';

/** An OpenAI-compatible server (the hosted API cannot run here) whose answer can be switched. */
describe('BreakerEmbedder around a real HTTP embedding server', () => {
  let server: Server;
  let status = 200;
  let requests = 0;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests++;
        if (status !== 200) {
          res.statusCode = status;
          res.end(JSON.stringify({ error: { message: `status ${status}` } }));
          return;
        }
        const { input } = JSON.parse(body) as { input: string[] };
        const data = input.map((_, index) => ({ index, embedding: [1, 0, 0, 0] }));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('opens after repeated 5xx, fails fast without calling the server, and closes once it answers', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({
      name: 'embedder:openai:test',
      failureThreshold: 2,
      failureRate: 0,
      windowMs: 10_000,
      minimumCalls: 10,
      cooldownMs: 1000,
      trialCalls: 1,
      isFailure: isEmbedderOutage,
      now: () => now,
    });
    const embedder = new BreakerEmbedder(
      new OpenAiEmbedder({ baseUrl: url, model: 'test', dimensions: 4, maxRetries: 0 }),
      breaker,
    );
    expect(embedder.id).toBe('openai:test');

    status = 400;
    for (let i = 0; i < 3; i++) await expect(embedder.embed(['a'])).rejects.toThrow(/HTTP 400/);
    expect(breaker.state).toBe('closed');

    status = 503;
    for (let i = 0; i < 2; i++) await expect(embedder.embed(['a'])).rejects.toThrow(/HTTP 503/);
    expect(breaker.state).toBe('open');
    const before = requests;
    await expect(embedder.embed(['a'])).rejects.toBeInstanceOf(CircuitOpenError);
    expect(requests).toBe(before);

    status = 200;
    now += 1000;
    expect(await embedder.embed(['a', 'b'])).toHaveLength(2);
    expect(breaker.state).toBe('closed');
  });
});

describe('isEmbedderOutage', () => {
  it('counts network errors, timeouts, 408, 429 and 5xx; not refusals or a wrong size', () => {
    expect(isEmbedderOutage(new EmbeddingRequestError('down', undefined, 6))).toBe(true);
    expect(isEmbedderOutage(new EmbeddingRequestError('busy', 429, 6))).toBe(true);
    expect(isEmbedderOutage(new EmbeddingRequestError('slow', 408, 6))).toBe(true);
    expect(isEmbedderOutage(new EmbeddingRequestError('oops', 502, 6))).toBe(true);
    expect(isEmbedderOutage(new EmbeddingRequestError('bad', 400, 1))).toBe(false);
    expect(isEmbedderOutage(new EmbeddingRequestError('key', 401, 1))).toBe(false);
    expect(isEmbedderOutage(new EmbeddingDimensionMismatchError('x', 4, 8))).toBe(false);
  });
});
