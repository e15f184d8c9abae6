import { planModelCalls } from './use-lite-batch-plan';

function lengthsOf(calls: number[][], lengths: number[]): number[][] {
  return calls.map((call) => call.map((i) => lengths[i]));
}

describe('planModelCalls', () => {
  it('plans nothing for no texts and one call for one text', () => {
    expect(planModelCalls([])).toEqual([]);
    expect(planModelCalls([40])).toEqual([[0]]);
  });

  it('puts every text in exactly one call, shortest first within a call', () => {
    const lengths = [128, 9, 33, 12, 128, 70, 9, 64, 20, 101, 47, 5];
    const calls = planModelCalls(lengths);
    expect(calls.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const call of lengthsOf(calls, lengths)) {
      expect(call).toEqual([...call].sort((a, b) => a - b));
    }
    // Calls follow the sorted order: no call's texts interleave with another's.
    const spans = lengthsOf(calls, lengths).map((call) => [call[0], call[call.length - 1]]);
    for (let k = 1; k < spans.length; k++)
      expect(spans[k][0]).toBeGreaterThanOrEqual(spans[k - 1][1]);
  });

  it('keeps texts of equal or close length in one call (they share its fixed cost)', () => {
    expect(planModelCalls([24, 24, 24, 24])).toEqual([[0, 1, 2, 3]]);
    expect(planModelCalls([128, 126, 127, 128])).toHaveLength(1);
    expect(planModelCalls([12, 14, 10, 13])).toHaveLength(1);
  });

  it('does not pad a short query to a long one', () => {
    expect(lengthsOf(planModelCalls([128, 10]), [128, 10])).toEqual([[10], [128]]);
    const lengths = [120, 8, 125, 11, 9, 128];
    expect(lengthsOf(planModelCalls(lengths), lengths)).toEqual([
      [8, 9, 11],
      [120, 125, 128],
    ]);
  });

  it('keeps equal lengths in input order', () => {
    expect(planModelCalls([30, 30, 30])).toEqual([[0, 1, 2]]);
  });
});
