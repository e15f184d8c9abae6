import {
  batcher,
  jobs,
  latency,
  processSample,
  queue,
  sample,
  state,
  tunable,
} from '../testing/sample-builder';
import { resolveAdjustment, TASK, TUNABLE, type TunableView } from '../tunables';
import { bulkLoadRule } from './bulk-load.rule';
import { ingestBacklogRule } from './ingest-backlog.rule';
import { memoryPressureRule } from './memory-pressure.rule';
import { resolveOptimizerConfig } from './optimizer-config';
import type { RuleAction } from './rule.types';
import { searchEfRule } from './search-ef.rule';
import { searchLatencyRule } from './search-latency.rule';
import { storeOptimizeRule } from './store-optimize.rule';

const MiB = 1024 * 1024;
const config = resolveOptimizerConfig({
  searchLatency: { p95TargetMs: 200, minSamples: 20 },
  memory: { rssLimitBytes: 1000 * MiB, heapLimitBytes: 500 * MiB },
});

/** The value the action's adjustment of `name` would give a tunable with this view. */
function applied(action: RuleAction | null, name: string, view: TunableView): number | undefined {
  const adjustment = action?.adjustments.find((a) => a.tunable === name);
  return adjustment ? resolveAdjustment(view, adjustment) : undefined;
}

describe('search-latency rule', () => {
  const concurrency = tunable(2, 1, 8);
  const slow = latency(350);

  it('adds a search worker when p95 is over target while search jobs wait', () => {
    const action = searchLatencyRule(
      sample({ search: slow, queues: { search: queue(12) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: concurrency } }),
      config,
    );
    expect(applied(action, TUNABLE.searchConcurrency, concurrency)).toBe(3);
    expect(action?.reason).toMatch(/p95 350 ms > target 200 ms with 12 search job/);
  });

  it('does nothing when p95 is over target but nothing waits (more workers would not help)', () => {
    const action = searchLatencyRule(
      sample({ search: slow, queues: { search: queue(0) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: concurrency } }),
      config,
    );
    expect(action).toBeNull();
  });

  it('does not trust a p95 from fewer than minSamples searches', () => {
    const action = searchLatencyRule(
      sample({ search: latency(900, 5), queues: { search: queue(12) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: concurrency } }),
      config,
    );
    expect(action).toBeNull();
  });

  it('at max concurrency shortens the search batch window instead', () => {
    const atMax = tunable(8, 1, 8);
    const maxWait = tunable(20, 1, 50);
    const action = searchLatencyRule(
      sample({ search: slow, queues: { search: queue(12) } }),
      state({
        tunables: { [TUNABLE.searchConcurrency]: atMax, [TUNABLE.searchMaxWaitMs]: maxWait },
      }),
      config,
    );
    expect(applied(action, TUNABLE.searchConcurrency, atMax)).toBeUndefined();
    expect(applied(action, TUNABLE.searchMaxWaitMs, maxWait)).toBe(10);
  });

  it('judges a worker-only process by the search jobs wait + run time', () => {
    const action = searchLatencyRule(
      sample({ jobs: { search: jobs(150, 120) }, queues: { search: queue(4) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: concurrency } }),
      config,
    );
    expect(action?.reason).toMatch(/p95 270 ms/);
  });

  it('backs down toward the baseline when p95 is well under target and nothing waits', () => {
    const raised = tunable(5, 1, 8, 2);
    const shortened = tunable(5, 1, 50, 20);
    const action = searchLatencyRule(
      sample({ search: latency(60), queues: { search: queue(0) } }),
      state({
        tunables: { [TUNABLE.searchConcurrency]: raised, [TUNABLE.searchMaxWaitMs]: shortened },
      }),
      config,
    );
    expect(applied(action, TUNABLE.searchConcurrency, raised)).toBe(4);
    expect(applied(action, TUNABLE.searchMaxWaitMs, shortened)).toBe(10);
  });

  it('holds between the two thresholds (hysteresis) and at the baseline', () => {
    const raised = tunable(5, 1, 8, 2);
    const between = searchLatencyRule(
      sample({ search: latency(150), queues: { search: queue(0) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: raised } }),
      config,
    );
    expect(between).toBeNull();
    const atBaseline = searchLatencyRule(
      sample({ search: latency(60), queues: { search: queue(0) } }),
      state({ tunables: { [TUNABLE.searchConcurrency]: concurrency } }),
      config,
    );
    expect(atBaseline).toBeNull();
  });
});

describe('search-ef rule', () => {
  const ef = tunable(100, 8, 1000);

  it('lowers ef when p95 is over target and searches do not queue', () => {
    const action = searchEfRule(
      sample({ search: latency(300), queues: { search: queue(0) } }),
      state({ tunables: { [TUNABLE.searchEf]: ef } }),
      config,
    );
    expect(applied(action, TUNABLE.searchEf, ef)).toBe(80);
  });

  it('never lowers ef below the recall-safe efMin', () => {
    const low = tunable(35, 8, 1000, 100);
    const action = searchEfRule(
      sample({ search: latency(300) }),
      state({ tunables: { [TUNABLE.searchEf]: low } }),
      config,
    );
    expect(applied(action, TUNABLE.searchEf, low)).toBe(config.searchEf.efMin);
    const atMin = tunable(config.searchEf.efMin, 8, 1000, 100);
    expect(
      searchEfRule(
        sample({ search: latency(300) }),
        state({ tunables: { [TUNABLE.searchEf]: atMin } }),
        config,
      ),
    ).toBeNull();
  });

  it('leaves ef alone while more search workers could still help', () => {
    const action = searchEfRule(
      sample({ search: latency(300), queues: { search: queue(10) } }),
      state({
        tunables: { [TUNABLE.searchEf]: ef, [TUNABLE.searchConcurrency]: tunable(2, 1, 8) },
      }),
      config,
    );
    expect(action).toBeNull();
  });

  it('raises ef back toward its baseline, not past it, with headroom; holds in between', () => {
    const lowered = tunable(64, 8, 1000, 72);
    const up = searchEfRule(
      sample({ search: latency(50) }),
      state({ tunables: { [TUNABLE.searchEf]: lowered } }),
      config,
    );
    expect(applied(up, TUNABLE.searchEf, lowered)).toBe(72);
    const between = searchEfRule(
      sample({ search: latency(150) }),
      state({ tunables: { [TUNABLE.searchEf]: lowered } }),
      config,
    );
    expect(between).toBeNull();
    expect(
      searchEfRule(
        sample({ search: latency(50) }),
        state({ tunables: { [TUNABLE.searchEf]: ef } }),
        config,
      ),
    ).toBeNull();
  });
});

describe('ingest-backlog rule', () => {
  const target = tunable(16, 1, 128);
  const growing = {
    previous: sample({ queues: { ingest: queue(40) } }),
    tunables: { [TUNABLE.embedBatchTarget]: target },
  };

  it('grows the embedding batch target while the backlog grows and latency allows', () => {
    const action = ingestBacklogRule(
      sample({
        queues: { ingest: queue(90) },
        batchers: { 'embed:use-lite': batcher('embed', 1000) },
      }),
      state(growing),
      config,
    );
    expect(applied(action, TUNABLE.embedBatchTarget, target)).toBe(24);
    expect(action?.reason).toMatch(/40 -> 90 waiting/);
  });

  it('stops where the projected batch time would break the latency target', () => {
    const action = ingestBacklogRule(
      sample({
        queues: { ingest: queue(90) },
        batchers: { 'embed:use-lite': batcher('embed', 3000) },
      }),
      state(growing),
      config,
    );
    expect(action).toBeNull(); // 3000 ms x 1.5 > 4000 ms
  });

  it('does nothing for a shrinking or small backlog, or without batch measurements', () => {
    const embed = { 'embed:use-lite': batcher('embed', 1000) };
    expect(
      ingestBacklogRule(
        sample({ queues: { ingest: queue(30) }, batchers: embed }),
        state(growing),
        config,
      ),
    ).toBeNull();
    expect(
      ingestBacklogRule(
        sample({ queues: { ingest: queue(10) }, batchers: embed }),
        state({ ...growing, previous: sample({ queues: { ingest: queue(5) } }) }),
        config,
      ),
    ).toBeNull();
    expect(
      ingestBacklogRule(sample({ queues: { ingest: queue(90) } }), state(growing), config),
    ).toBeNull();
    expect(
      ingestBacklogRule(
        sample({ queues: { ingest: queue(90) }, batchers: embed }),
        state({ tunables: growing.tunables }),
        config,
      ),
    ).toBeNull(); // no previous sample: cannot tell growth
  });
});

describe('memory-pressure rule', () => {
  const l1 = tunable(10_000, 100, 100_000);

  it('shrinks the L1 cache when RSS is over its limit', () => {
    const action = memoryPressureRule(
      sample({ process: processSample({ rssBytes: 1100 * MiB }) }),
      state({ tunables: { [TUNABLE.l1MaxEntries]: l1 } }),
      config,
    );
    expect(applied(action, TUNABLE.l1MaxEntries, l1)).toBe(5000);
    expect(action?.reason).toMatch(/RSS 1100 MiB > limit 1000 MiB/);
  });

  it('shrinks it when the heap is over its limit', () => {
    const action = memoryPressureRule(
      sample({ process: processSample({ heapUsedBytes: 600 * MiB }) }),
      state({ tunables: { [TUNABLE.l1MaxEntries]: l1 } }),
      config,
    );
    expect(action?.reason).toMatch(/heap 600 MiB > limit 500 MiB/);
  });

  it('restores it only when well below both limits, and never past its baseline', () => {
    const shrunk = tunable(5000, 100, 100_000, 10_000);
    const between = memoryPressureRule(
      sample({ process: processSample({ rssBytes: 800 * MiB }) }),
      state({ tunables: { [TUNABLE.l1MaxEntries]: shrunk } }),
      config,
    );
    expect(between).toBeNull(); // under the limit but over 70% of it: hysteresis
    const below = memoryPressureRule(
      sample({ process: processSample({ rssBytes: 500 * MiB }) }),
      state({ tunables: { [TUNABLE.l1MaxEntries]: shrunk } }),
      config,
    );
    expect(applied(below, TUNABLE.l1MaxEntries, shrunk)).toBe(7500);
    const nearly = tunable(9000, 100, 100_000, 10_000);
    expect(applied(below, TUNABLE.l1MaxEntries, nearly)).toBe(10_000);
    expect(
      memoryPressureRule(
        sample({ process: processSample({ rssBytes: 500 * MiB }) }),
        state({ tunables: { [TUNABLE.l1MaxEntries]: l1 } }),
        config,
      ),
    ).toBeNull();
  });

  it('does nothing without an L1 tunable in this process', () => {
    expect(
      memoryPressureRule(
        sample({ process: processSample({ rssBytes: 2000 * MiB }) }),
        state(),
        config,
      ),
    ).toBeNull();
  });
});

describe('store-optimize rule', () => {
  const tasks = new Set([TASK.optimizeStore]);

  it('schedules optimize when unindexed rows reach the threshold', () => {
    const action = storeOptimizeRule(
      sample({ probes: { unindexedRows: 12_000 } }),
      state({ tasks }),
      config,
    );
    expect(action).toMatchObject({ task: TASK.optimizeStore, adjustments: [] });
  });

  it('does not schedule under the threshold, on a failed probe, while one runs, or without the task', () => {
    expect(
      storeOptimizeRule(sample({ probes: { unindexedRows: 500 } }), state({ tasks }), config),
    ).toBeNull();
    expect(
      storeOptimizeRule(sample({ probes: { unindexedRows: null } }), state({ tasks }), config),
    ).toBeNull();
    expect(
      storeOptimizeRule(
        sample({ probes: { unindexedRows: 50_000 } }),
        state({ tasks, runningTasks: new Set([TASK.optimizeStore]) }),
        config,
      ),
    ).toBeNull();
    expect(
      storeOptimizeRule(sample({ probes: { unindexedRows: 50_000 } }), state(), config),
    ).toBeNull();
  });
});

describe('bulk-load rule', () => {
  const off = tunable(0, 0, 1);
  const on = tunable(1, 0, 1, 0);

  it('turns bulk-load mode on at a large backlog and off once it drains', () => {
    const start = bulkLoadRule(
      sample({ queues: { ingest: queue(6000) } }),
      state({ tunables: { [TUNABLE.bulkLoad]: off } }),
      config,
    );
    expect(applied(start, TUNABLE.bulkLoad, off)).toBe(1);
    const end = bulkLoadRule(
      sample({ queues: { ingest: queue(50) } }),
      state({ tunables: { [TUNABLE.bulkLoad]: on } }),
      config,
    );
    expect(applied(end, TUNABLE.bulkLoad, on)).toBe(0);
  });

  it('holds between the on and off thresholds, and is absent without the tunable', () => {
    for (const mode of [off, on]) {
      expect(
        bulkLoadRule(
          sample({ queues: { ingest: queue(1000) } }),
          state({ tunables: { [TUNABLE.bulkLoad]: mode } }),
          config,
        ),
      ).toBeNull();
    }
    expect(
      bulkLoadRule(sample({ queues: { ingest: queue(1_000_000) } }), state(), config),
    ).toBeNull();
  });
});
