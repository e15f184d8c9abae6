import { SingleBar } from 'cli-progress';
import type { PlotSpec } from './svg-plot';

/** A progress bar on a terminal, and nothing but the final figures elsewhere. */
export function progressBar(
  label: string,
  total: number,
): { update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
    stream: process.stderr,
  });
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The last line every benchmark prints (docs/API.md's benchmark output contract). */
export function printBenchLine(figures: Record<string, unknown>): void {
  console.log(`BENCH ${JSON.stringify(figures)}`);
}

/**
 * A BENCH line's figures, with its `plots` set apart: line charts (see svg-plot.ts) that
 * `npm run bench` draws into the report rather than tabulating.
 */
export function parseBenchLine(line: string): {
  figures: Record<string, unknown>;
  plots: Record<string, PlotSpec>;
} {
  const parsed = JSON.parse(line.slice('BENCH '.length)) as Record<string, unknown>;
  const { plots, ...figures } = parsed;
  return { figures, plots: (plots ?? {}) as Record<string, PlotSpec> };
}
