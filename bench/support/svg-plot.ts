/**
 * Line charts as self-contained SVG, small enough to write by hand: the benchmark report's plots
 * (latency against offered load, batch size over time) without a charting dependency.
 */
export interface PlotLine {
  name: string;
  points: [number, number][];
  /** A reference (a limit, a baseline): dashed, without markers. */
  dashed?: boolean;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  lines: PlotLine[];
  /** Draw the points as dots too (default true; off for long time series). */
  markers?: boolean;
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 64, right: 24, top: 56, bottom: 48 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/**
 * Round tick values (1, 2 or 5 times a power of ten apart, about `count` of them) from at or
 * below `min` to at or above `max`, so an axis can end on a tick.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  const last = Math.ceil(max / step - 1e-9);
  for (let i = Math.floor(min / step + 1e-9); i <= last; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => String(Number(n.toPrecision(4)));

export function lineChart(spec: PlotSpec): string {
  const points = spec.lines.flatMap((l) => l.points).filter(([x, y]) => isFinite(x) && isFinite(y));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(...xs, 1));
  const yTicks = niceTicks(0, Math.max(...ys, 1));
  const xMin = xTicks[0];
  const xMax = xTicks[xTicks.length - 1];
  const yMax = yTicks[yTicks.length - 1];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escape(spec.title)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#333"/>`,
      `<text x="${sx(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escape(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`,
  );
  let legendX = MARGIN.left;
  spec.lines.forEach((line, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = line.points
      .filter(([x, y]) => isFinite(x) && isFinite(y))
      .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    if (path.length) {
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${path.join(' ')}"/>`,
      );
    }
    if ((spec.markers ?? true) && !line.dashed) {
      for (const p of path) {
        const [cx, cy] = p.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`);
      }
    }
    // the legend: one row between the title and the plot
    const lx = legendX;
    legendX += 36 + line.name.length * 6.2 + 16;
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="38" y2="38" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 26}" y="42">${escape(line.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
