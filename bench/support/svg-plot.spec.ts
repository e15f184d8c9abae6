import { lineChart, niceTicks } from './svg-plot';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the range, ending on ticks', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(3, 21.6)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});

describe('lineChart', () => {
  const svg = lineChart({
    title: 'search latency <by> load',
    xLabel: 'offered searches/s',
    yLabel: 'ms',
    lines: [
      {
        name: 'p50',
        points: [
          [10, 5],
          [20, 8],
          [40, 30],
        ],
      },
      {
        name: 'p95',
        points: [
          [10, 9],
          [20, 20],
          [40, 120],
        ],
      },
      {
        name: 'limit',
        points: [
          [10, 100],
          [40, 100],
        ],
        dashed: true,
      },
    ],
  });

  it('is one SVG document with a polyline and a legend entry per line', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    // the limit is dashed (its line and its legend entry) and has no markers
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('>p50</text>');
    expect(svg).toContain('>p95</text>');
    expect(svg.match(/<circle /g)).toHaveLength(6);
  });

  it('escapes text and places larger values higher', () => {
    expect(svg).toContain('search latency &lt;by&gt; load');
    const p95 = /<polyline[^>]*points="([^"]+)"/g;
    const lines = [...svg.matchAll(p95)].map((m) =>
      m[1].split(' ').map((p) => p.split(',').map(Number)),
    );
    const second = lines[1];
    // SVG y grows downwards: 120 ms is drawn above 9 ms, and x grows with the offered rate
    expect(second[2][1]).toBeLessThan(second[0][1]);
    expect(second[2][0]).toBeGreaterThan(second[0][0]);
  });

  it('draws an empty chart rather than failing when there is no data', () => {
    const empty = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      lines: [{ name: 'a', points: [] }],
    });
    expect(empty).toContain('</svg>');
    expect(empty).not.toContain('<polyline');
  });
});
