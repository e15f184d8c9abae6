import { QueryVectorCache } from './query-vector-cache';

const vector = (value: number) => new Float32Array([value, value]);

describe('QueryVectorCache', () => {
  it('returns a kept vector for the same embedder and query only', () => {
    const cache = new QueryVectorCache(10);
    cache.set('use-lite', 'wing flutter', vector(1));
    expect(cache.get('use-lite', 'wing flutter')).toEqual(vector(1));
    expect(cache.get('use-lite', 'Wing flutter')).toBeUndefined();
    expect(cache.get('openai:text-embedding-3-small', 'wing flutter')).toBeUndefined();
  });

  it('keeps at most the configured number of vectors, dropping the least recently used', () => {
    const cache = new QueryVectorCache(2);
    cache.set('use-lite', 'a', vector(1));
    cache.set('use-lite', 'b', vector(2));
    cache.get('use-lite', 'a');
    cache.set('use-lite', 'c', vector(3));
    expect(cache.size).toBe(2);
    expect(cache.get('use-lite', 'b')).toBeUndefined();
    expect(cache.get('use-lite', 'a')).toEqual(vector(1));
  });

  it('keeps nothing when configured with 0 entries', () => {
    const cache = new QueryVectorCache(0);
    cache.set('use-lite', 'a', vector(1));
    expect(cache.get('use-lite', 'a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
