import type { TuneRow, TuneVariant } from '../contract';
import { recommend, variantNotes } from './recommend';

const row = (variant: TuneVariant, ef: number, recall: number): TuneRow => ({
  variant,
  ef,
  recall,
  recallP5: recall,
  p50Ms: ef / 10,
  p95Ms: ef / 5,
  qps: 1000 / ef,
});

describe('recommend', () => {
  const rows = [
    row('rescore', 128, 0.999),
    row('rescore', 16, 0.9),
    row('rescore', 32, 0.96),
    row('rescore', 64, 0.993),
    row('raw', 16, 0.85),
    row('raw', 64, 0.97),
    row('raw', 128, 0.991),
  ];

  it('picks the smallest ef of the searches` own variant that reaches the target', () => {
    expect(recommend(rows, 'rescore', 0.99, 0.95)).toEqual({
      ef: 64,
      recall: 0.993,
      p50Ms: 6.4,
      p95Ms: 12.8,
      floorEf: 32,
      floorRecall: 0.96,
    });
    // The other variant's rows do not count for the recommendation.
    expect(recommend(rows, 'raw', 0.99, 0.95)?.ef).toBe(128);
  });

  it('keeps the floor at the recommended ef when nothing smaller reaches it', () => {
    expect(recommend(rows, 'rescore', 0.99, 0.995)).toMatchObject({ ef: 64, floorEf: 64 });
    // A noisy sample where a larger ef dips below the floor never lifts the floor above ef.
    const noisy = [row('none', 16, 0.8), row('none', 32, 0.995), row('none', 64, 0.99)];
    expect(recommend(noisy, 'none', 0.99, 0.95)).toMatchObject({ ef: 32, floorEf: 32 });
  });

  it('recommends nothing when no measured ef reaches the target', () => {
    expect(recommend(rows, 'rescore', 0.9995, 0.95)).toBeNull();
    expect(recommend([], 'none', 0.99, 0.95)).toBeNull();
  });

  it('notes where each other variant reaches the target, or its best', () => {
    expect(variantNotes(rows, 'rescore', 0.99)).toEqual([
      expect.stringMatching(/^raw \(int8 without re-ranking\) reaches 0\.99 at ef 128/),
    ]);
    expect(variantNotes(rows, 'rescore', 0.995)).toEqual([
      'raw (int8 without re-ranking) never reaches 0.995: best 0.9910 at ef 128',
    ]);
  });
});
