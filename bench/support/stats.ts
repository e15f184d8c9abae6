import { quantile } from '../../src/batching/quantile';

/** Nearest-rank percentile (p in 0..100); NaN for an empty list. */
export function percentile(values: number[], p: number): number {
  return quantile(values, p / 100);
}

export function summary(values: number[]): { p50: number; p95: number; p99: number; n: number } {
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    n: values.length,
  };
}
