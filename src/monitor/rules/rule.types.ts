import type { LatencySummary, MonitorSample } from '../monitor.types';
import type { Adjustment, TunableView } from '../tunables';
import type { OptimizerConfig } from './optimizer-config';

/** What a rule sees besides the sample. */
export interface RuleState {
  /** Epoch milliseconds. */
  now: number;
  /** The sample taken before this one (absent on the first). */
  previous?: MonitorSample;
  /** This process's tunables; rules only turn knobs this process has. */
  tunables: Readonly<Record<string, TunableView>>;
  /** Tasks registered in this process. */
  tasks: ReadonlySet<string>;
  /** Tasks still running from an earlier action. */
  runningTasks: ReadonlySet<string>;
}

/** What a rule asks for: tunable adjustments and/or a task to run, with the reason. */
export interface RuleAction {
  rule: string;
  reason: string;
  adjustments: Adjustment[];
  task?: string;
}

export type Rule = (
  sample: MonitorSample,
  state: RuleState,
  config: OptimizerConfig,
) => RuleAction | null;

export interface RuleDefinition {
  name: string;
  evaluate: Rule;
  cooldownMs(config: OptimizerConfig): number;
}

export const round = (n: number): number => Math.round(n * 10) / 10;

export interface SearchLatencySignal {
  p95Ms: number;
  count: number;
  /** `search` (end to end, where searches are answered) or `jobs` (search job wait + run, in workers). */
  source: 'search' | 'jobs';
}

/**
 * The search latency the rules judge: end-to-end search latency where this process answers
 * searches; otherwise (a worker-only process) the search jobs' wait p95 + run p95, an upper bound
 * of their p95 sum. Null when neither has minSamples values in the window.
 */
export function searchLatencySignal(
  sample: MonitorSample,
  config: OptimizerConfig,
): SearchLatencySignal | null {
  const min = config.searchLatency.minSamples;
  if (sample.search.count >= min) {
    return { p95Ms: sample.search.p95Ms, count: sample.search.count, source: 'search' };
  }
  const jobs = sample.jobs[config.queues.search];
  if (jobs && jobs.run.count >= min) {
    return { p95Ms: jobs.wait.p95Ms + jobs.run.p95Ms, count: jobs.run.count, source: 'jobs' };
  }
  return null;
}

export function describeLatency(summary: Pick<LatencySummary, 'p95Ms'>): string {
  return `${round(summary.p95Ms)} ms`;
}
