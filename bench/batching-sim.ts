/**
 * Does the AdaptiveBatcher find the best batch size on its own? Under steady load (a closed loop
 * of callers each submitting one item after another), measures items/s for a range of fixed batch
 * sizes and for the adaptive batcher started away from the optimum, on:
 *  1. a synthetic cost curve (per-batch time a + b*n + c*n^2 slept on the real clock; best at 20);
 *  2. the real USE-lite model embedding short queries (Cranfield queries, in-process), when the
 *     dataset is present at ../shared/datasets (skipped with a message otherwise, or with --no-model).
 * The adaptive figure is measured once the tuner first holds a size (the climb's own cost is
 * reported separately, as items/s over the whole run).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/batching-sim.js [--seconds 6] [--rounds 2] [--no-model] [--no-synthetic]
 *
 * Last line: BENCH {"adaptiveToBestFixed", "adaptiveToBatch1", ...} for the model run (the
 * synthetic run's figures when the model is skipped).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AdaptiveBatcher, type BatchReport } from '../src/batching';

type Run<I, O> = (items: I[]) => Promise<O[]>;

interface Scenario<I, O> {
  label: string;
  run: Run<I, O>;
  nextItem: () => I;
  fixedSizes: number[];
  maxSize: number;
  adaptiveStart: number;
  /** Longest the adaptive run may climb before its measurement starts anyway. */
  maxAdaptiveWarmupMs: number;
  latencyTargetMs: number;
}

interface Measured {
  itemsPerSec: number;
  p50BatchMs: number;
  settledTarget?: number;
  itemsPerSecWholeRun?: number;
  warmupMs?: number;
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a closed loop against `batcher`; counts the items finished during `measureMs`, which starts
 * once `settled()` holds (polled every 100 ms) or after `maxWarmupMs`, whichever comes first.
 */
async function underLoad<I, O>(
  batcher: AdaptiveBatcher<I, O>,
  nextItem: () => I,
  clients: number,
  settled: () => boolean,
  maxWarmupMs: number,
  measureMs: number,
): Promise<{ itemsPerSec: number; itemsPerSecWholeRun: number; warmupMs: number }> {
  let stopped = false;
  let done = 0;
  const started = performance.now();
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      await batcher.submit(nextItem());
      done++;
    }
  });
  while (!settled() && performance.now() - started < maxWarmupMs) await sleep(100);
  const doneAtWarmup = done;
  const measureStart = performance.now();
  await sleep(measureMs);
  const doneAtEnd = done;
  const end = performance.now();
  stopped = true;
  await batcher.close();
  await Promise.all(loops);
  return {
    itemsPerSec: ((doneAtEnd - doneAtWarmup) * 1000) / (end - measureStart),
    itemsPerSecWholeRun: (doneAtEnd * 1000) / (end - started),
    warmupMs: measureStart - started,
  };
}

function modeTarget(reports: BatchReport[], lastN: number): number {
  const counts = new Map<number, number>();
  for (const r of reports.filter((r) => r.full).slice(-lastN)) {
    counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? NaN;
}

async function measure<I, O>(
  s: Scenario<I, O>,
  size: number | 'adaptive',
  seconds: number,
): Promise<Measured> {
  const reports: BatchReport[] = [];
  const adaptive = size === 'adaptive';
  const batcher = new AdaptiveBatcher<I, O>({
    name: `${s.label}-${size}`,
    run: s.run,
    minSize: 1,
    maxSize: s.maxSize,
    initialSize: adaptive ? s.adaptiveStart : size,
    maxWaitMs: 5,
    latencyTargetMs: s.latencyTargetMs,
    adapt: adaptive,
    onBatch: (r) => reports.push(r),
  });
  // Fixed sizes: a short warm-up. Adaptive: until the tuner first holds a size (or a cap).
  const warmupStart = performance.now();
  const settled = adaptive
    ? () => batcher.stats().phase === 'hold'
    : () => performance.now() - warmupStart > 1500;
  const maxWarmupMs = adaptive ? s.maxAdaptiveWarmupMs : 1500;
  // Enough callers that a full batch is always waiting, and few enough that the queue left at the
  // end drains quickly.
  const clients = 2 * (adaptive ? s.maxSize : size) + 4;
  const result = await underLoad(
    batcher,
    s.nextItem,
    clients,
    settled,
    maxWarmupMs,
    seconds * 1000,
  );
  const durations = reports.filter((r) => r.ok).map((r) => r.durationMs);
  durations.sort((a, b) => a - b);
  return {
    itemsPerSec: result.itemsPerSec,
    p50BatchMs: durations[Math.floor(durations.length / 2)] ?? NaN,
    ...(adaptive
      ? {
          settledTarget: modeTarget(reports, 40),
          itemsPerSecWholeRun: result.itemsPerSecWholeRun,
          warmupMs: result.warmupMs,
        }
      : {}),
  };
}

interface ScenarioResult {
  label: string;
  bestFixedSize: number;
  bestFixedItemsPerSec: number;
  batch1ItemsPerSec: number;
  adaptive: Measured;
}

/** Keeps the better of two measurements of one configuration (other load on a shared machine only slows things). */
function better(a: Measured | undefined, b: Measured): Measured {
  return a && a.itemsPerSec >= b.itemsPerSec ? a : b;
}

async function compare<I, O>(
  s: Scenario<I, O>,
  seconds: number,
  rounds: number,
): Promise<ScenarioResult> {
  console.log(`\n== ${s.label}`);
  const fixed = new Map<number, Measured>();
  let adaptive: Measured | undefined;
  // Rounds interleave all configurations, so a burst of outside load does not hit just one of them.
  for (let round = 1; round <= rounds; round++) {
    console.log(`-- round ${round} of ${rounds}`);
    for (const size of s.fixedSizes) {
      const m = await measure(s, size, seconds);
      fixed.set(size, better(fixed.get(size), m));
      console.log(
        `fixed ${String(size).padStart(3)}: ${m.itemsPerSec.toFixed(1).padStart(8)} items/s, ` +
          `p50 batch ${m.p50BatchMs.toFixed(1)} ms`,
      );
    }
    const m = await measure(s, 'adaptive', seconds);
    adaptive = better(adaptive, m);
    console.log(
      `adaptive (from ${s.adaptiveStart}): ${m.itemsPerSec.toFixed(1)} items/s after settling ` +
        `for ${((m.warmupMs ?? 0) / 1000).toFixed(1)} s ` +
        `(${m.itemsPerSecWholeRun?.toFixed(1)} over the whole run incl. the climb), ` +
        `settled at ${m.settledTarget}, p50 batch ${m.p50BatchMs.toFixed(1)} ms`,
    );
  }
  if (!adaptive) throw new Error('rounds must be >= 1');
  const [bestSize, best] = [...fixed.entries()].reduce((a, b) =>
    b[1].itemsPerSec > a[1].itemsPerSec ? b : a,
  );
  const batch1 = fixed.get(1)?.itemsPerSec ?? NaN;
  console.log(
    `best of ${rounds} round(s): fixed ${bestSize} ${best.itemsPerSec.toFixed(1)} items/s; ` +
      `adaptive ${adaptive.itemsPerSec.toFixed(1)} (settled at ${adaptive.settledTarget}); ` +
      `adaptive/best fixed ${(adaptive.itemsPerSec / best.itemsPerSec).toFixed(3)}, ` +
      `adaptive/batch 1 ${(adaptive.itemsPerSec / batch1).toFixed(2)}`,
  );
  return {
    label: s.label,
    bestFixedSize: bestSize,
    bestFixedItemsPerSec: best.itemsPerSec,
    batch1ItemsPerSec: batch1,
    adaptive,
  };
}

function syntheticScenario(): Scenario<number, number> {
  const cost = (n: number): number => 20 + 0.1 * n + 0.05 * n * n;
  let next = 0;
  return {
    label: 'synthetic cost 20 + 0.1n + 0.05n^2 ms (best items/s at n = 20)',
    run: async (items) => {
      await sleep(cost(items.length));
      return items;
    },
    nextItem: () => next++,
    fixedSizes: [1, 4, 8, 16, 20, 25, 32, 64, 128],
    maxSize: 256,
    adaptiveStart: 64,
    maxAdaptiveWarmupMs: 20_000,
    latencyTargetMs: 10_000,
  };
}

async function modelScenario(): Promise<Scenario<string, number[]> | string> {
  const datasets = resolve(process.cwd(), '../shared/datasets');
  const queriesPath = join(datasets, 'cranfield', 'queries.jsonl');
  if (!existsSync(queriesPath)) return `dataset not found at ${queriesPath}`;
  const queries = readFileSync(queriesPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);
  const { loadUseLiteModel } = await import('../src/embedding/use-lite-model');
  const model = await loadUseLiteModel();
  await model.embed(queries.slice(0, 32)); // first calls compile kernels: keep them out of the figures
  let next = 0;
  return {
    label: `USE-lite in-process, ${queries.length} Cranfield queries (short texts)`,
    run: (texts) => model.embed(texts),
    nextItem: () => queries[next++ % queries.length],
    fixedSizes: [1, 4, 8, 16, 32, 64],
    maxSize: 128,
    adaptiveStart: 32,
    maxAdaptiveWarmupMs: 90_000,
    latencyTargetMs: 5_000,
  };
}

async function main(): Promise<void> {
  const seconds = Number(argValue('--seconds') ?? 6);
  const rounds = Number(argValue('--rounds') ?? 2);
  const synthetic = process.argv.includes('--no-synthetic')
    ? undefined
    : await compare(syntheticScenario(), seconds, rounds);
  let headline = synthetic;
  let modelResult: ScenarioResult | undefined;
  if (process.argv.includes('--no-model')) {
    console.log('\nmodel scenario skipped (--no-model)');
  } else {
    const scenario = await modelScenario();
    if (typeof scenario === 'string') console.log(`\nmodel scenario skipped: ${scenario}`);
    else headline = modelResult = await compare(scenario, seconds, rounds);
  }
  if (!headline) {
    console.log('nothing measured: both scenarios skipped');
    return;
  }
  const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));
  const bench = {
    scenario: headline === modelResult ? 'use-lite' : 'synthetic',
    adaptiveToBestFixed: ratio(headline.adaptive.itemsPerSec, headline.bestFixedItemsPerSec),
    adaptiveToBatch1: ratio(headline.adaptive.itemsPerSec, headline.batch1ItemsPerSec),
    adaptiveItemsPerSec: Number(headline.adaptive.itemsPerSec.toFixed(1)),
    bestFixedSize: headline.bestFixedSize,
    settledTarget: headline.adaptive.settledTarget,
    ...(synthetic && {
      syntheticAdaptiveToBestFixed: ratio(
        synthetic.adaptive.itemsPerSec,
        synthetic.bestFixedItemsPerSec,
      ),
      syntheticSettledTarget: synthetic.adaptive.settledTarget,
    }),
  };
  console.log(`BENCH ${JSON.stringify(bench)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
