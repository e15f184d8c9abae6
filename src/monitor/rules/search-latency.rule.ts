import { TUNABLE, type Adjustment } from '../tunables';
import { round, searchLatencySignal, type Rule, type RuleDefinition } from './rule.types';

export const SEARCH_LATENCY_RULE = 'search-latency';

/**
 * Searches are slow because they queue: add search workers (bounded by the tunable's max), or,
 * at the max, shorten the search batch window. Back down toward the baseline once p95 is well
 * under target (relaxBelowRatio) and nothing waits. Between the two thresholds: no action.
 */
export const searchLatencyRule: Rule = (sample, state, config) => {
  const c = config.searchLatency;
  const queue = sample.queues[config.queues.search];
  if (!queue) return null;
  const concurrency = state.tunables[TUNABLE.searchConcurrency];
  const maxWait = state.tunables[TUNABLE.searchMaxWaitMs];
  const signal = searchLatencySignal(sample, config);

  if (signal && signal.p95Ms > c.p95TargetMs && queue.waiting > 0) {
    const reason = `search p95 ${round(signal.p95Ms)} ms > target ${c.p95TargetMs} ms with ${queue.waiting} search job(s) waiting`;
    if (concurrency && concurrency.value < concurrency.max) {
      return {
        rule: SEARCH_LATENCY_RULE,
        reason,
        adjustments: [{ tunable: TUNABLE.searchConcurrency, op: 'add', value: c.concurrencyStep }],
      };
    }
    if (maxWait && maxWait.value > maxWait.min) {
      return {
        rule: SEARCH_LATENCY_RULE,
        reason: `${reason}; concurrency at its max`,
        adjustments: [{ tunable: TUNABLE.searchMaxWaitMs, op: 'scale', value: c.maxWaitFactor }],
      };
    }
    return null;
  }

  const relaxed = !signal || signal.p95Ms < c.p95TargetMs * c.relaxBelowRatio;
  if (!relaxed || queue.waiting > 0) return null;
  const adjustments: Adjustment[] = [];
  if (concurrency && concurrency.value > concurrency.baseline) {
    adjustments.push({
      tunable: TUNABLE.searchConcurrency,
      op: 'add',
      value: -c.concurrencyStep,
      towardBaseline: true,
    });
  }
  if (maxWait && maxWait.value < maxWait.baseline) {
    adjustments.push({
      tunable: TUNABLE.searchMaxWaitMs,
      op: 'scale',
      value: 1 / c.maxWaitFactor,
      towardBaseline: true,
    });
  }
  if (adjustments.length === 0) return null;
  const p95 = signal ? `search p95 ${round(signal.p95Ms)} ms` : 'no recent searches';
  return {
    rule: SEARCH_LATENCY_RULE,
    reason: `${p95} < ${round(c.p95TargetMs * c.relaxBelowRatio)} ms and no search job waiting: back toward baseline`,
    adjustments,
  };
};

export const searchLatencyRuleDefinition: RuleDefinition = {
  name: SEARCH_LATENCY_RULE,
  evaluate: searchLatencyRule,
  cooldownMs: (config) => config.searchLatency.cooldownMs ?? config.cooldownMs,
};
