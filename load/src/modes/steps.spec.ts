import { loadFigures, RunSummary } from '../summary';
import {
  defaultRates,
  highestHeldRate,
  heldToBareAround,
  cpuCeiling,
  heldStepCeiling,
  judgeStep,
  refinementRate,
  renderSteps,
  StepResult,
  StepRow,
  warmUpRate,
  withBareAround,
} from './steps';

function stepSummary(p95: number, failed: number, arrivals: number): RunSummary {
  const load = loadFigures(
    {
      counters: {
        'vusers.created': arrivals,
        'vusers.failed': failed,
        'http.responses': arrivals - failed,
        'plugins.metrics-by-endpoint.search-unique.codes.200': arrivals - failed,
      },
      summaries: {
        'plugins.metrics-by-endpoint.response_time.search-unique': {
          p50: 20,
          p95,
          p99: p95 * 2,
          max: 400,
        },
      },
    },
    { meanRate: 10, seconds: 30 },
  );
  return { load } as RunSummary;
}

describe('step mode', () => {
  it('steps from 10% to 150% of the bare model, at least 1/s, without repeats', () => {
    expect(defaultRates(100)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150,
    ]);
    expect(defaultRates(4)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('warms up at the first default step, at least 1/s', () => {
    expect(warmUpRate(84.5)).toBe(defaultRates(84.5)[0]);
    expect(warmUpRate(4)).toBe(1);
  });

  it('holds a step with p95 within the limit, no errors and every arrival sent', () => {
    expect(judgeStep(stepSummary(80, 0, 300), 'search-unique', 100, 0)).toMatchObject({
      offered: 10,
      p95: 80,
      held: true,
    });
  });

  it("carries the step's CPU, service (and the model's share of it), load generator and Redis, into its row", () => {
    const summary = stepSummary(80, 0, 300);
    summary.cpu = {
      service: { seconds: 26.2, wallSeconds: 20, percent: 131 },
      model: { seconds: 19.4, wallSeconds: 20, percent: 97 },
      loadGenerator: { seconds: 3.6, wallSeconds: 20, percent: 18 },
      redis: { seconds: 2.4, wallSeconds: 20, percent: 12, commands: 5130 },
    };
    expect(judgeStep(summary, 'search-unique', 100, 0)).toMatchObject({
      serviceCpuPercent: 131,
      modelShareOfServiceCpu: 74,
      generatorCpuPercent: 18,
      redisCpuPercent: 12,
      redisCommandsPerAnswer: Math.round((5130 / summary.load.responses) * 10) / 10,
      // (26.2 + 3.6 + 2.4) s and 19.4 s over 300 answers
      cpuMsPerAnswer: 107.3,
      modelMsPerAnswer: 64.7,
    });
  });

  it('leaves CPU per answer out when a part of the machine was not measured', () => {
    const summary = stepSummary(80, 0, 300);
    summary.cpu = {
      service: { seconds: 26.2, wallSeconds: 20, percent: 131 },
      redis: { seconds: 2.4, wallSeconds: 20, percent: 12, commands: 5130 },
    };
    const row = judgeStep(summary, 'search-unique', 100, 0);
    expect(row.cpuMsPerAnswer).toBeUndefined();
    expect(row.modelMsPerAnswer).toBeUndefined();
  });

  it("puts the machine's CPU ceiling at the highest step held beside the bare model", () => {
    const held: StepRow = {
      offered: 40,
      achieved: 40,
      p50: 40,
      p95: 90,
      p99: 120,
      failedRate: 0,
      held: true,
      cpuMsPerAnswer: 40,
      modelMsPerAnswer: 28,
      bareAround: 90,
    };
    expect(cpuCeiling(held, 2, 90)).toEqual({ rate: 50, ofBare: 0.556 });
    expect(cpuCeiling({ ...held, cpuMsPerAnswer: undefined }, 2, 90)).toBeUndefined();
    const result: StepResult = {
      bare: {
        best: 100,
        bestBatch: 16,
        byBatch: { 1: 70, 16: 100 },
        poolSize: 'default',
        alone: { queries: 60, p50Ms: 25, p95Ms: 40 },
      },
      bareQueriesPerSec: 90,
      p95LimitMs: 100,
      maxErrorRate: 0,
      steps: [held, { ...held, offered: 45, achieved: 45, p95: 180, held: false, broke: 'p95' }],
      highestHeld: 40,
      heldToBare: 0.444,
      cores: 2,
    };
    const text = renderSteps(result);
    expect(text).toContain('| 40 (28) | 90 | 0.444 |');
    expect(text).toContain(
      'CPU ceiling: at 40/s a search cost 40 ms of CPU across the service, the load generator and Redis, 28 ms of it in the model (the bare model, every core busy, spends 22.2 ms a query). ' +
        '2 cores are full at 50 searches/s at that cost, 0.556 of the bare model',
    );
    expect(heldStepCeiling(result)).toEqual({ rate: 50, ofBare: 0.556, step: held });
    // a report written without the machine's cores states no ceiling
    expect(heldStepCeiling({ ...result, cores: undefined })).toBeUndefined();
    expect(renderSteps({ ...result, cores: undefined })).not.toContain('CPU ceiling');
    // nor one where nothing held
    expect(heldStepCeiling({ ...result, highestHeld: 0 })).toBeUndefined();
  });

  it('breaks on p95, on errors, or when the generator fell behind, saying which', () => {
    expect(judgeStep(stepSummary(150, 0, 300), 'search-unique', 100, 0)).toMatchObject({
      held: false,
      broke: 'p95 150 ms > 100 ms',
    });
    expect(judgeStep(stepSummary(50, 3, 300), 'search-unique', 100, 0).broke).toBe('failed 0.01');
    expect(judgeStep(stepSummary(50, 0, 200), 'search-unique', 100, 0).broke).toBe(
      'the load generator sent 200 of 300',
    );
  });

  it('counts only the rates held before the first break', () => {
    const step = (offered: number, held: boolean) => ({ offered, held }) as StepRow;
    expect(highestHeldRate([step(10, true), step(20, true), step(30, false), step(40, true)])).toBe(
      20,
    );
    expect(highestHeldRate([step(10, true), step(20, true)])).toBe(20);
    expect(highestHeldRate([step(10, false), step(20, true)])).toBe(0);
    expect(highestHeldRate([])).toBe(0);
  });

  it('bisects between the rate held and the rate broken, down to 2.5% of the bare model', () => {
    expect(refinementRate(50, 60, 100)).toBe(55);
    expect(refinementRate(55, 60, 100)).toBe(58);
    expect(refinementRate(58, 60, 100)).toBeUndefined();
    expect(refinementRate(0, 10, 100)).toBe(5);
    // at least 1/s apart, so a slow model never asks for a repeat or a fraction
    expect(refinementRate(2, 3, 20)).toBeUndefined();
    expect(refinementRate(60, 60, 100)).toBeUndefined();
  });

  it('counts a refinement that held only below every rate that broke', () => {
    const step = (offered: number, held: boolean, refinement = false) =>
      ({ offered, held, refinement }) as StepRow;
    const ladder = [step(40, true), step(50, true), step(60, false)];
    expect(highestHeldRate([...ladder, step(55, true, true), step(58, false, true)])).toBe(55);
    expect(highestHeldRate([...ladder, step(55, false, true), step(53, true, true)])).toBe(53);
    // a refinement above a rate that broke is a lucky step: it does not count
    expect(highestHeldRate([...ladder, step(55, false, true), step(57, true, true)])).toBe(50);
    // nor does a ladder step after the first break
    expect(highestHeldRate([...ladder, step(70, true), step(55, true, true)])).toBe(55);
    expect(highestHeldRate([step(10, false), step(5, true, true)])).toBe(5);
  });

  it('compares each step with the higher of the bare probes around it', () => {
    const step = (offered: number, held: boolean) => ({ offered, held }) as StepRow;
    const steps = withBareAround(
      [step(40, true), step(50, true), step(60, false)],
      [70, 90, 60, 65],
    );
    expect(steps.map((s) => s.bareAround)).toEqual([90, 90, 65]);
    // the ratio of the highest rate held uses that step's own probes, not the fastest minute
    expect(heldToBareAround(steps, 50, 120)).toEqual({ ratio: 0.556, bare: 90 });
    expect(heldToBareAround(steps, 0, 120)).toEqual({ ratio: 0, bare: 120 });
    // without probes (a step that never ran one), the sweep before the service started counts
    expect(heldToBareAround([step(40, true)], 40, 80)).toEqual({ ratio: 0.5, bare: 80 });
    expect(withBareAround([step(40, true)], [70]).map((s) => s.bareAround)).toEqual([undefined]);
  });

  it('reports the highest rate held and its ratio to the bare model', () => {
    const text = renderSteps({
      bare: {
        best: 50,
        bestBatch: 16,
        byBatch: { 8: 40, 16: 50 },
        poolSize: 'default',
        alone: { queries: 60, p50Ms: 20, p95Ms: 35 },
      },
      bareQueriesPerSec: 50,
      p95LimitMs: 100,
      maxErrorRate: 0,
      steps: [
        { offered: 10, achieved: 10, p50: 9, p95: 30, p99: 40, failedRate: 0, held: true },
        {
          offered: 20,
          achieved: 20,
          p50: 90,
          p95: 300,
          p99: 400,
          failedRate: 0,
          held: false,
          broke: 'p95 300 ms > 100 ms',
          serviceCpuPercent: 131,
          modelShareOfServiceCpu: 74,
          generatorCpuPercent: 18,
          redisCpuPercent: 9,
          redisCommandsPerAnswer: 17.2,
        },
      ],
      highestHeld: 10,
      heldToBare: 0.2,
      warmUp: { rate: 5, seconds: 10 },
    });
    expect(text).toContain('50 queries/s at batch 16');
    expect(text).toContain('Before the first step, 5 searches/s for 10 s warmed the service up');
    expect(text).toContain('One query at a time it takes p50 20 ms, p95 35 ms.');
    expect(text).not.toContain('The model alone is over the p95 limit');
    expect(text).toContain('| 10 | 10 | 9 | 30 | 40 | 0 | yes | - | - | - |');
    expect(text).toContain(
      '| 20 | 20 | 90 | 300 | 400 | 0 | no: p95 300 ms > 100 ms | 131% | 74% | 18% | 9% | 17.2 |',
    );
    expect(text).toContain('Highest rate held: 10 searches/s, 0.2 of the bare model');
    expect(text).not.toContain('(refining)');
    expect(text).not.toContain('timed again');
    expect(text).toContain(
      "Highest rate held: 10 searches/s, 0.2 of the bare model's query throughput (50 queries/s).",
    );
  });

  it('marks refining steps and says how they count', () => {
    const row = (offered: number, held: boolean, refinement = false): StepRow => ({
      offered,
      achieved: offered,
      p50: 30,
      p95: held ? 90 : 120,
      p99: 150,
      failedRate: 0,
      held,
      ...(held ? {} : { broke: 'p95 120 ms > 100 ms' }),
      ...(refinement ? { refinement } : {}),
    });
    const text = renderSteps({
      bare: {
        best: 100,
        bestBatch: 2,
        byBatch: { 2: 100 },
        poolSize: 'default',
        alone: { queries: 60, p50Ms: 17, p95Ms: 27 },
      },
      probes: { batch: 2, seconds: 3, queriesPerSec: [96, 104, 100, 92] },
      bareQueriesPerSec: 100,
      p95LimitMs: 100,
      maxErrorRate: 0,
      steps: withBareAround(
        [row(50, true), row(60, false), row(55, true, true)],
        [96, 104, 100, 92],
      ),
      highestHeld: 55,
      heldToBare: 0.55,
    });
    expect(text).toContain('| 55 (refining) | 55 | 30 | 90 | 150 | 0 | yes |');
    expect(text).toContain('until they are within 2.5% of the bare throughput apart');
    expect(text).toContain(
      'the bare model was timed again for 3 s at batch 2: 92 to 104 queries/s over this run',
    );
    expect(text).toContain(
      '| 60 | 60 | 30 | 120 | 150 | 0 | no: p95 120 ms > 100 ms | - | - | - | - | - | - | 104 | 0.577 |',
    );
    expect(text).toContain(
      "Highest rate held: 55 searches/s, 0.55 of the bare model's query throughput timed around that step (100 queries/s).",
    );
  });

  it('says when the model alone is over the p95 limit, so no step could hold', () => {
    const text = renderSteps({
      bare: {
        best: 20,
        bestBatch: 32,
        byBatch: { 32: 20 },
        poolSize: 2,
        alone: { queries: 60, p50Ms: 110, p95Ms: 158 },
      },
      bareQueriesPerSec: 20,
      p95LimitMs: 100,
      maxErrorRate: 0,
      steps: [
        { offered: 2, achieved: 2, p50: 115, p95: 170, p99: 200, failedRate: 0, held: false },
      ],
      highestHeld: 0,
      heldToBare: 0,
    });
    expect(text).toContain(
      'The model alone is over the p95 limit on these queries (158 ms > 100 ms)',
    );
    expect(text).toContain('No rate held.');
    expect(text).not.toContain('Highest rate held');
  });
});
