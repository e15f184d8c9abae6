import { bulkLoadRuleDefinition } from './bulk-load.rule';
import { ingestBacklogRuleDefinition } from './ingest-backlog.rule';
import { memoryPressureRuleDefinition } from './memory-pressure.rule';
import type { RuleDefinition } from './rule.types';
import { searchEfRuleDefinition } from './search-ef.rule';
import { searchLatencyRuleDefinition } from './search-latency.rule';
import { storeOptimizeRuleDefinition } from './store-optimize.rule';

export * from './bulk-load.rule';
export * from './ingest-backlog.rule';
export * from './memory-pressure.rule';
export * from './optimizer-config';
export * from './rule.types';
export * from './search-ef.rule';
export * from './search-latency.rule';
export * from './store-optimize.rule';

/** The optimizer's rules, in the order they are evaluated. */
export const DEFAULT_RULES: readonly RuleDefinition[] = [
  searchLatencyRuleDefinition,
  searchEfRuleDefinition,
  ingestBacklogRuleDefinition,
  bulkLoadRuleDefinition,
  memoryPressureRuleDefinition,
  storeOptimizeRuleDefinition,
];
