/**
 * The uncached search path under open-loop load, through real HTTP from a separate load
 * generator: the load runner's step mode (npm run load -- search-unique --step) on a small seed.
 * It measures the bare model's query throughput first, then raises the offered rate of unique
 * searches until p95 (100 ms) or errors break (and two steps further, for the plot; then two
 * steps bisecting between the rate held and the rate broken), and plots
 * latency against offered load.
 *
 *   npm run bench:load    (BENCH_LOAD_DOCS=300, BENCH_LOAD_STEP_SECONDS=15,
 *                          BENCH_LOAD_BARE_SECONDS=3, BENCH_LOAD_RATES=a,b,c to resize)
 *
 * Needs load's own dependencies (cd load && npm run setup); without them it says so and
 * reports nothing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runExitTasks } from '../load/src/cleanup';
import { parseOptions } from '../load/src/cli';
import { heldStepCeiling, measureSteps } from '../load/src/modes/steps';
import { printBenchLine } from './support/report';
import type { PlotSpec } from './support/svg-plot';

async function main(): Promise<void> {
  if (!existsSync(resolve('load', 'node_modules', '.bin', 'artillery'))) {
    console.log('load/ is not set up (cd load && npm run setup): nothing to measure');
    return;
  }
  const env = process.env;
  const options = parseOptions([
    'search-unique',
    '--step',
    '--quiet',
    '--docs',
    env.BENCH_LOAD_DOCS ?? '300',
    '--duration',
    env.BENCH_LOAD_STEP_SECONDS ?? '15',
    '--bare-seconds',
    env.BENCH_LOAD_BARE_SECONDS ?? '3',
    // two steps past the break, so the plot shows the knee
    '--past-break',
    '2',
    ...(env.BENCH_LOAD_RATES ? ['--rates', env.BENCH_LOAD_RATES] : []),
  ]);
  try {
    const result = await measureSteps(options);
    // refining steps run after the ladder, between two of its rates: plot by rate, not by turn
    const byRate = [...result.steps].sort((a, b) => a.offered - b.offered);
    const offered = byRate.map((s) => s.offered);
    const latencyByOfferedLoad: PlotSpec = {
      title: 'Unique searches (every one a cache miss): latency against offered load',
      xLabel: 'offered searches/s (open loop)',
      yLabel: 'client-side latency, ms',
      lines: [
        { name: 'p50', points: byRate.map((s) => [s.offered, s.p50]) },
        { name: 'p95', points: byRate.map((s) => [s.offered, s.p95]) },
        { name: 'p99', points: byRate.map((s) => [s.offered, s.p99]) },
        {
          name: `p95 limit (${result.p95LimitMs} ms)`,
          dashed: true,
          points: [
            [Math.min(...offered), result.p95LimitMs],
            [Math.max(...offered), result.p95LimitMs],
          ],
        },
      ],
    };
    const measured = byRate.filter((s) => s.cpuMsPerAnswer !== undefined);
    const cpuByOfferedLoad: PlotSpec = {
      title: 'CPU per unique search against offered load (service, load generator and Redis)',
      xLabel: 'offered searches/s (open loop)',
      yLabel: 'CPU ms per answer',
      lines: [
        { name: 'all', points: measured.map((s) => [s.offered, s.cpuMsPerAnswer ?? 0]) },
        {
          name: 'of it the model',
          points: measured
            .filter((s) => s.modelMsPerAnswer !== undefined)
            .map((s) => [s.offered, s.modelMsPerAnswer ?? 0]),
        },
      ],
    };
    const ceiling = heldStepCeiling(result);
    printBenchLine({
      highestRateHeld: result.highestHeld,
      bareQueriesPerSec: result.bareQueriesPerSec,
      heldToBare: result.heldToBare,
      p95LimitMs: result.p95LimitMs,
      ...(ceiling ? { cpuCeilingPerSec: ceiling.rate, cpuCeilingToBare: ceiling.ofBare } : {}),
      steps: result.steps.map((s) => ({
        offered: s.offered,
        p50: s.p50,
        p95: s.p95,
        held: s.held,
        ...(s.refinement ? { refinement: true } : {}),
        ...(s.bareAround ? { bareAround: s.bareAround } : {}),
        ...(s.cpuMsPerAnswer !== undefined ? { cpuMsPerAnswer: s.cpuMsPerAnswer } : {}),
      })),
      plots: {
        latencyByOfferedLoad,
        ...(measured.length > 0 ? { cpuByOfferedLoad } : {}),
      },
    });
  } finally {
    await runExitTasks();
  }
}

main().catch(async (err: unknown) => {
  console.error(err);
  await runExitTasks();
  process.exit(1);
});
