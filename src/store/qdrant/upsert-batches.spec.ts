import { estimatePointBytes, splitBySize } from './upsert-batches';

describe('splitBySize', () => {
  it('keeps order, never exceeds the budget, and sends an oversized item alone', () => {
    const sizes = [4, 4, 4, 12, 1, 1, 9];
    const batches = splitBySize(sizes, (n) => n, 10);
    expect(batches).toEqual([[4, 4], [4], [12], [1, 1], [9]]);
    expect(batches.flat()).toEqual(sizes);
    expect(splitBySize([], (n: number) => n, 10)).toEqual([]);
  });
});

describe('estimatePointBytes', () => {
  it('is an upper bound of the point`s JSON size, also for awkward floats and unicode text', () => {
    const dense = Array.from(Float32Array.from({ length: 512 }, (_, i) => -Math.sin(i) * 1e-7));
    const point = {
      id: '00000000-0000-4000-8000-000000000001',
      vector: { dense, bm25: { indices: [4294967295, 1], values: [0.123456789, 1.5] } },
      payload: { text: 'ünïcödé '.repeat(100), metadata: { a: [1, 2, 3] } },
    };
    const actual = Buffer.byteLength(JSON.stringify(point));
    const estimate = estimatePointBytes(point);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate).toBeLessThan(actual * 1.5);
  });
});
