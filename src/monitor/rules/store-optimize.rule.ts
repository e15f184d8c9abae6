import { TASK } from '../tunables';
import type { Rule, RuleDefinition } from './rule.types';

export const STORE_OPTIMIZE_RULE = 'store-optimize';

/**
 * Rows added after the last index build are scanned without the index until the store is
 * optimized (DESIGN.md: p50 went from 4 ms to 129 ms after 500 small adds). Over the threshold,
 * run the optimize task: never while one still runs, at most once per cooldown fleet-wide.
 */
export const storeOptimizeRule: Rule = (sample, state, config) => {
  const c = config.storeOptimize;
  const rows = sample.probes[c.probe];
  if (rows === null || rows === undefined || rows < c.unindexedRowsHigh) return null;
  if (!state.tasks.has(TASK.optimizeStore) || state.runningTasks.has(TASK.optimizeStore)) {
    return null;
  }
  return {
    rule: STORE_OPTIMIZE_RULE,
    reason: `${rows} unindexed rows >= ${c.unindexedRowsHigh}`,
    adjustments: [],
    task: TASK.optimizeStore,
  };
};

export const storeOptimizeRuleDefinition: RuleDefinition = {
  name: STORE_OPTIMIZE_RULE,
  evaluate: storeOptimizeRule,
  cooldownMs: (config) => config.storeOptimize.cooldownMs,
};
