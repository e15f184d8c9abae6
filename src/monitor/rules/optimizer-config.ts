import { totalmem } from 'node:os';
import { INGEST_QUEUE, SEARCH_QUEUE } from '../../queues/queue-names';

/**
 * Targets, thresholds and bounds of the optimizer's rules. Every "on" threshold has a separate,
 * lower "off" threshold (hysteresis), and every rule waits its cooldown after acting, fleet-wide.
 */
export interface OptimizerConfig {
  /** Rules run only when true; sampling and the performance endpoint work either way. Default true. */
  enabled: boolean;
  /** Minimum time between two actions of one rule, unless the rule sets its own. Default 30 s. */
  cooldownMs: number;
  /** Queue names the rules read. Defaults: `ingest`, `search`. */
  queues: { ingest: string; search: string };
  /** Rule `search-latency`: more search concurrency (or a shorter batch window) while searches queue. */
  searchLatency: {
    /** The search latency objective: p95 above it is "slow" (also the degraded threshold). Default 250 ms. */
    p95TargetMs: number;
    /** Searches needed in the window before its p95 counts. Default 20. */
    minSamples: number;
    /** Back down when p95 is under target x this and nothing waits. Default 0.5. */
    relaxBelowRatio: number;
    /** Workers added or removed per action. Default 1. */
    concurrencyStep: number;
    /** The search batch window is multiplied by this to shorten it (divided to restore). Default 0.5. */
    maxWaitFactor: number;
    cooldownMs?: number;
  };
  /** Rule `ingest-backlog`: a larger embedding batch target while the ingest backlog grows. */
  ingestBacklog: {
    /** Waiting ingest jobs below this are not a backlog. Default 20. */
    minWaiting: number;
    /** The target is multiplied by this per action. Default 1.5. */
    growthFactor: number;
    /**
     * The embed batcher's latency target: the rule grows the batch only while p95 batch time x
     * growthFactor stays under it. Default 4000 ms (BatchersService's embed batcher).
     */
    embedLatencyTargetMs: number;
    cooldownMs?: number;
  };
  /** Rule `memory-pressure`: shrink the L1 search cache over the memory limit, restore well below. */
  memory: {
    /** RSS limit in bytes. Default 75% of the container's memory limit, or of the machine's memory. */
    rssLimitBytes: number;
    /** Heap limit in bytes; when absent, heapLimitRatio x V8's heap ceiling. */
    heapLimitBytes?: number;
    /** Default 0.85. */
    heapLimitRatio: number;
    /** Restore only when RSS and heap are under their limits x this. Default 0.7. */
    restoreBelowRatio: number;
    /** L1 entries are multiplied by this on pressure. Default 0.5. */
    shrinkFactor: number;
    /** ... and by this per restore step, up to the baseline. Default 1.5. */
    growFactor: number;
    cooldownMs?: number;
  };
  /** Rule `store-optimize`: run the store's optimize task when many rows are not indexed. */
  storeOptimize: {
    /** Probe name that reports unindexed rows. Default `unindexedRows`. */
    probe: string;
    /** Default 10 000 rows (DESIGN.md: 500 small adds already cost 30x in p50). */
    unindexedRowsHigh: number;
    /** At most one optimize per this, fleet-wide. Default 5 min. */
    cooldownMs: number;
  };
  /** Rule `search-ef`: trade recall for latency within a recall-safe range, and back. */
  searchEf: {
    /** Lowest ef the rule sets (recall-safe). Default 32. */
    efMin: number;
    /** Highest ef the rule sets. Default 256. */
    efMax: number;
    /** ef is multiplied by this when p95 is over target. Default 0.8. */
    lowerFactor: number;
    /** ... and by this toward its baseline when p95 is under target x headroomRatio. Default 1.25. */
    raiseFactor: number;
    /** Default 0.5. */
    headroomRatio: number;
    cooldownMs?: number;
  };
  /** Rule `bulk-load`: Qdrant bulk-load mode (indexing off) during a large backlog. */
  bulkLoad: {
    /** Turn on at this many waiting ingest jobs. Default 5000. */
    onWaiting: number;
    /** Turn off at or below this many. Default 100. */
    offWaiting: number;
    cooldownMs?: number;
  };
}

export type OptimizerConfigInput = {
  [K in keyof OptimizerConfig]?: OptimizerConfig[K] extends object
    ? Partial<OptimizerConfig[K]>
    : OptimizerConfig[K];
};

function defaultRssLimitBytes(): number {
  const machine = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  const limit = constrained > 0 && constrained < machine ? constrained : machine;
  return Math.floor(limit * 0.75);
}

export function defaultOptimizerConfig(): OptimizerConfig {
  return {
    enabled: true,
    cooldownMs: 30_000,
    queues: { ingest: INGEST_QUEUE, search: SEARCH_QUEUE },
    searchLatency: {
      p95TargetMs: 250,
      minSamples: 20,
      relaxBelowRatio: 0.5,
      concurrencyStep: 1,
      maxWaitFactor: 0.5,
    },
    ingestBacklog: { minWaiting: 20, growthFactor: 1.5, embedLatencyTargetMs: 4000 },
    memory: {
      rssLimitBytes: defaultRssLimitBytes(),
      heapLimitRatio: 0.85,
      restoreBelowRatio: 0.7,
      shrinkFactor: 0.5,
      growFactor: 1.5,
    },
    storeOptimize: { probe: 'unindexedRows', unindexedRowsHigh: 10_000, cooldownMs: 300_000 },
    searchEf: { efMin: 32, efMax: 256, lowerFactor: 0.8, raiseFactor: 1.25, headroomRatio: 0.5 },
    bulkLoad: { onWaiting: 5000, offWaiting: 100 },
  };
}

/** Defaults overridden section by section. */
export function resolveOptimizerConfig(input: OptimizerConfigInput = {}): OptimizerConfig {
  const d = defaultOptimizerConfig();
  return {
    enabled: input.enabled ?? d.enabled,
    cooldownMs: input.cooldownMs ?? d.cooldownMs,
    queues: { ...d.queues, ...input.queues },
    searchLatency: { ...d.searchLatency, ...input.searchLatency },
    ingestBacklog: { ...d.ingestBacklog, ...input.ingestBacklog },
    memory: { ...d.memory, ...input.memory },
    storeOptimize: { ...d.storeOptimize, ...input.storeOptimize },
    searchEf: { ...d.searchEf, ...input.searchEf },
    bulkLoad: { ...d.bulkLoad, ...input.bulkLoad },
  };
}
