import { TUNABLE } from '../tunables';
import type { Rule, RuleDefinition } from './rule.types';

export const MEMORY_PRESSURE_RULE = 'memory-pressure';

const mib = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;

/**
 * RSS or heap over its limit: halve (shrinkFactor) the L1 search cache. When both are under
 * restoreBelowRatio of their limits, grow it back step by step up to its baseline; between the
 * two thresholds nothing changes.
 */
export const memoryPressureRule: Rule = (sample, state, config) => {
  const c = config.memory;
  const l1 = state.tunables[TUNABLE.l1MaxEntries];
  if (!l1) return null;
  const p = sample.process;
  const heapLimit = c.heapLimitBytes ?? p.heapLimitBytes * c.heapLimitRatio;
  const rssOver = p.rssBytes > c.rssLimitBytes;
  const heapOver = heapLimit > 0 && p.heapUsedBytes > heapLimit;
  if (rssOver || heapOver) {
    if (l1.value <= l1.min) return null;
    const what = rssOver
      ? `RSS ${mib(p.rssBytes)} > limit ${mib(c.rssLimitBytes)}`
      : `heap ${mib(p.heapUsedBytes)} > limit ${mib(heapLimit)}`;
    return {
      rule: MEMORY_PRESSURE_RULE,
      reason: `${what}: shrink the L1 cache`,
      adjustments: [{ tunable: TUNABLE.l1MaxEntries, op: 'scale', value: c.shrinkFactor }],
    };
  }
  const wellBelow =
    p.rssBytes < c.rssLimitBytes * c.restoreBelowRatio &&
    (heapLimit <= 0 || p.heapUsedBytes < heapLimit * c.restoreBelowRatio);
  if (!wellBelow || l1.value >= l1.baseline) return null;
  return {
    rule: MEMORY_PRESSURE_RULE,
    reason: `RSS ${mib(p.rssBytes)} and heap ${mib(p.heapUsedBytes)} under ${c.restoreBelowRatio * 100}% of their limits: restore the L1 cache`,
    adjustments: [
      { tunable: TUNABLE.l1MaxEntries, op: 'scale', value: c.growFactor, towardBaseline: true },
    ],
  };
};

export const memoryPressureRuleDefinition: RuleDefinition = {
  name: MEMORY_PRESSURE_RULE,
  evaluate: memoryPressureRule,
  cooldownMs: (config) => config.memory.cooldownMs ?? config.cooldownMs,
};
