import { parseBenchLine } from './report';

describe('parseBenchLine', () => {
  it('sets the plots apart from the figures', () => {
    const plot = { title: 't', xLabel: 'x', yLabel: 'y', lines: [{ name: 'a', points: [[1, 2]] }] };
    const line = `BENCH ${JSON.stringify({ ratio: 0.9, perSec: 12, plots: { latency: plot } })}`;

    expect(parseBenchLine(line)).toEqual({
      figures: { ratio: 0.9, perSec: 12 },
      plots: { latency: plot },
    });
  });

  it('gives no plots for a line without them', () => {
    expect(parseBenchLine('BENCH {"a":1}')).toEqual({ figures: { a: 1 }, plots: {} });
  });
});
