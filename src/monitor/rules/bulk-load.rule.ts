import { TUNABLE } from '../tunables';
import type { Rule, RuleDefinition } from './rule.types';

export const BULK_LOAD_RULE = 'bulk-load';

/**
 * Qdrant bulk-load mode (indexing off while a large backlog loads, restored after): on at
 * onWaiting waiting ingest jobs, off at offWaiting or fewer. Only where the store registered the
 * `bulkLoad` tunable (the Qdrant adapter); absent otherwise.
 */
export const bulkLoadRule: Rule = (sample, state, config) => {
  const c = config.bulkLoad;
  const mode = state.tunables[TUNABLE.bulkLoad];
  const queue = sample.queues[config.queues.ingest];
  if (!mode || !queue) return null;
  const on = mode.value >= 1;
  if (!on && queue.waiting >= c.onWaiting) {
    return {
      rule: BULK_LOAD_RULE,
      reason: `${queue.waiting} ingest jobs waiting >= ${c.onWaiting}: bulk-load mode on`,
      adjustments: [{ tunable: TUNABLE.bulkLoad, op: 'set', value: 1 }],
    };
  }
  if (on && queue.waiting <= c.offWaiting) {
    return {
      rule: BULK_LOAD_RULE,
      reason: `${queue.waiting} ingest jobs waiting <= ${c.offWaiting}: bulk-load mode off`,
      adjustments: [{ tunable: TUNABLE.bulkLoad, op: 'set', value: 0 }],
    };
  }
  return null;
};

export const bulkLoadRuleDefinition: RuleDefinition = {
  name: BULK_LOAD_RULE,
  evaluate: bulkLoadRule,
  cooldownMs: (config) => config.bulkLoad.cooldownMs ?? config.cooldownMs,
};
