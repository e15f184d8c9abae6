import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from '@qdrant/js-client-rest';
import { isTransientError, retryDelayMs, withRetry } from './qdrant-retry';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('waits as long as a 429 asks (Retry-After), capped at 30 s', () => {
    expect(retryDelayMs(new QdrantClientResourceExhaustedError('slow down', '2'), 0, policy)).toBe(
      2000,
    );
    expect(
      retryDelayMs(new QdrantClientResourceExhaustedError('slow down', '600'), 0, policy),
    ).toBe(30_000);
  });

  it('backs off exponentially with jitter, up to the maximum', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      const delay = retryDelayMs(new Error('x'), attempt, policy);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('classifies failures: server and rate-limit errors and broken connections are transient', () => {
    const apiError = (status: number) => Object.assign(new Error('http'), { status });
    expect(isTransientError(apiError(502))).toBe(true);
    expect(isTransientError(apiError(429))).toBe(true);
    expect(isTransientError(apiError(404))).toBe(false);
    expect(isTransientError(new QdrantClientResourceExhaustedError('x', '1'))).toBe(true);
    expect(isTransientError(new TypeError('fetch failed'))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { cause: { code: 'ECONNRESET' } }))).toBe(
      true,
    );
    expect(isTransientError(new QdrantClientTimeoutError('aborted'))).toBe(false);
    expect(isTransientError(new Error('bug'))).toBe(false);
  });

  it('retries a transient failure and returns the eventual result', async () => {
    let calls = 0;
    const result = await withRetry(
      'op',
      () =>
        ++calls < 3
          ? Promise.reject(Object.assign(new Error('x'), { status: 503 }))
          : Promise.resolve('done'),
      { retries: 3, baseDelayMs: 1, maxDelayMs: 2 },
    );
    expect([result, calls]).toEqual(['done', 3]);
  });

  it('sends a partially applied write again: the 500 of too few replicas, and once a timeout', async () => {
    const fast = { retries: 3, baseDelayMs: 1, maxDelayMs: 2 };
    const tooFewReplicas = Object.assign(new Error('Internal Server Error'), {
      status: 500,
      data: {
        status: {
          error:
            'Service internal error: Failed to apply operation to at least `write_consistency_factor` replicas. Consistency of this update is not guaranteed. Please retry.',
        },
      },
    });
    let calls = 0;
    const write = () =>
      ++calls === 1 ? Promise.reject(tooFewReplicas) : Promise.resolve('applied');
    expect([await withRetry('upsert', write, fast, { retryTimeout: true }), calls]).toEqual([
      'applied',
      2,
    ]);

    let timeouts = 0;
    const timingOut = () => {
      timeouts++;
      return Promise.reject(new QdrantClientTimeoutError('aborted'));
    };
    await expect(withRetry('upsert', timingOut, fast, { retryTimeout: true })).rejects.toThrow(
      /Qdrant upsert failed: timed out/,
    );
    expect(timeouts).toBe(2);
    timeouts = 0;
    await expect(withRetry('query batch', timingOut, fast)).rejects.toThrow(/timed out/);
    expect(timeouts).toBe(1);
  });
});
