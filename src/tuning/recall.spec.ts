import type { SearchHit } from '../store/vector-store.port';
import { neighbourRecall, neighbourTruth } from './recall';

const hit = (id: string, score: number): SearchHit => ({
  id,
  documentId: 'd',
  chunkIndex: 0,
  score,
  text: '',
  headingPath: [],
  metadata: {},
});

describe('neighbour recall', () => {
  const exact = [hit('self', 1), hit('a', 0.9), hit('b', 0.8), hit('c', 0.7), hit('d', 0.6)];

  it('drops the query point itself from the truth and from the answer', () => {
    const truth = neighbourTruth('self', exact, 3);
    expect(truth.size).toBe(3);
    expect([...truth.accepted].sort()).toEqual(['a', 'b', 'c']);
    // Finding itself earns nothing; the three real neighbours are what counts.
    expect(neighbourRecall('self', [hit('self', 1), hit('a', 0.9), hit('b', 0.8)], truth, 3)).toBe(
      2 / 3,
    );
    expect(neighbourRecall('self', [hit('a', 0.9), hit('b', 0.8), hit('c', 0.7)], truth, 3)).toBe(
      1,
    );
    expect(neighbourRecall('self', [hit('x', 0.9), hit('y', 0.8)], truth, 3)).toBe(0);
  });

  it('counts a hit tied with the k-th neighbour as correct (duplicates fill the last place)', () => {
    const tied = [hit('self', 1), hit('a', 0.9), hit('b', 0.8), hit('b2', 0.8), hit('c', 0.7)];
    const truth = neighbourTruth('self', tied, 2);
    expect(truth.size).toBe(2);
    expect(neighbourRecall('self', [hit('a', 0.9), hit('b2', 0.8)], truth, 2)).toBe(1);
    // Never above 1, even when the answer holds more tied ids than the truth has places.
    expect(neighbourRecall('self', [hit('b', 0.8), hit('b2', 0.8)], truth, 2)).toBe(1);
  });

  it('only the first k of the answer count', () => {
    const truth = neighbourTruth('self', exact, 2);
    expect(neighbourRecall('self', [hit('x', 1), hit('a', 0.9), hit('b', 0.8)], truth, 2)).toBe(
      0.5,
    );
  });

  it('a collection with fewer neighbours than k asks only for those', () => {
    const truth = neighbourTruth('self', [hit('self', 1), hit('a', 0.5)], 10);
    expect(truth.size).toBe(1);
    expect(neighbourRecall('self', [hit('a', 0.5)], truth, 10)).toBe(1);
    expect(neighbourTruth('self', [hit('self', 1)], 10).size).toBe(0);
  });
});
