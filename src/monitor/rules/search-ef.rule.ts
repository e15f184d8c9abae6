import { TUNABLE } from '../tunables';
import { round, searchLatencySignal, type Rule, type RuleDefinition } from './rule.types';

export const SEARCH_EF_RULE = 'search-ef';

/**
 * Search p95 over target and more workers would not help (nothing waits, or search concurrency
 * is at its max): lower ef, never below efMin (the recall-safe floor). With headroom (p95 under
 * target x headroomRatio, or too few searches to judge) raise it back toward its baseline.
 */
export const searchEfRule: Rule = (sample, state, config) => {
  const c = config.searchEf;
  const target = config.searchLatency.p95TargetMs;
  const ef = state.tunables[TUNABLE.searchEf];
  if (!ef) return null;
  const signal = searchLatencySignal(sample, config);
  const waiting = sample.queues[config.queues.search]?.waiting ?? 0;
  const concurrency = state.tunables[TUNABLE.searchConcurrency];
  const moreWorkersWouldHelp = waiting > 0 && !!concurrency && concurrency.value < concurrency.max;

  if (signal && signal.p95Ms > target) {
    if (moreWorkersWouldHelp || ef.value <= c.efMin) return null;
    return {
      rule: SEARCH_EF_RULE,
      reason: `search p95 ${round(signal.p95Ms)} ms > target ${target} ms; not a queueing problem`,
      adjustments: [
        {
          tunable: TUNABLE.searchEf,
          op: 'scale',
          value: c.lowerFactor,
          min: c.efMin,
          max: c.efMax,
        },
      ],
    };
  }
  const headroom = !signal || signal.p95Ms < target * c.headroomRatio;
  if (!headroom || ef.value >= ef.baseline) return null;
  const p95 = signal ? `search p95 ${round(signal.p95Ms)} ms` : 'few recent searches';
  return {
    rule: SEARCH_EF_RULE,
    reason: `${p95} < ${round(target * c.headroomRatio)} ms: raise ef back toward ${ef.baseline}`,
    adjustments: [
      {
        tunable: TUNABLE.searchEf,
        op: 'scale',
        value: c.raiseFactor,
        towardBaseline: true,
        min: c.efMin,
        max: c.efMax,
      },
    ],
  };
};

export const searchEfRuleDefinition: RuleDefinition = {
  name: SEARCH_EF_RULE,
  evaluate: searchEfRule,
  cooldownMs: (config) => config.searchEf.cooldownMs ?? config.cooldownMs,
};
