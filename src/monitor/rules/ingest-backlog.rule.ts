import { TUNABLE } from '../tunables';
import { round, type Rule, type RuleDefinition } from './rule.types';

export const INGEST_BACKLOG_RULE = 'ingest-backlog';

/**
 * The ingest backlog grows (at least minWaiting jobs waiting, more than at the previous sample):
 * grow the embedding batch target by growthFactor, but only while the embed batches' p95 time
 * times that factor stays under the batcher's latency target (batch time grows about linearly
 * with size). Never shrinks: the batcher's own tuner shrinks the target when latency breaks it.
 */
export const ingestBacklogRule: Rule = (sample, state, config) => {
  const c = config.ingestBacklog;
  const target = state.tunables[TUNABLE.embedBatchTarget];
  if (!target || target.value >= target.max) return null;
  const queue = sample.queues[config.queues.ingest];
  const before = state.previous?.queues[config.queues.ingest];
  if (!queue || !before) return null;
  if (queue.waiting < c.minWaiting || queue.waiting <= before.waiting) return null;
  const embedP95 = Math.max(
    0,
    ...Object.values(sample.batchers)
      .filter((b) => b.kind === 'embed')
      .map((b) => b.p95Ms),
  );
  if (embedP95 <= 0) return null; // no measured batches yet: nothing to project from
  const projected = embedP95 * c.growthFactor;
  if (projected > c.embedLatencyTargetMs) return null;
  return {
    rule: INGEST_BACKLOG_RULE,
    reason:
      `ingest backlog growing (${before.waiting} -> ${queue.waiting} waiting); embed batch p95 ` +
      `${round(embedP95)} ms x${c.growthFactor} = ${round(projected)} ms stays under ${c.embedLatencyTargetMs} ms`,
    adjustments: [{ tunable: TUNABLE.embedBatchTarget, op: 'scale', value: c.growthFactor }],
  };
};

export const ingestBacklogRuleDefinition: RuleDefinition = {
  name: INGEST_BACKLOG_RULE,
  evaluate: ingestBacklogRule,
  cooldownMs: (config) => config.ingestBacklog.cooldownMs ?? config.cooldownMs,
};
