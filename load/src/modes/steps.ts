import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { round } from '../../../bench/support/report';
import { BareProbe, bareQueryThroughput, BareThroughput } from '../bare-model';
import { PROCESSOR_ENV } from '../processor';
import { mainEndpoint, ScenarioScript } from '../scenario-script';
import { commandsPerAnswer, modelShareOfService, type RunSummary } from '../summary';
import type { RunnerOptions } from './options';
import { artilleryPass, scriptFor } from './pass';
import { prepareRun, searchQueueQuiet, startSession, subfolder } from './session';

export interface StepRow {
  offered: number;
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  failedRate: number;
  held: boolean;
  /** Why the step did not hold. */
  broke?: string;
  /** CPU over the step, 100 = one core busy throughout (undefined where not measured). */
  serviceCpuPercent?: number;
  /** The part of serviceCpuPercent in the embedding model's own threads, as a share of it. */
  modelShareOfServiceCpu?: number;
  generatorCpuPercent?: number;
  /** The Redis server's CPU over the step (every client of it), as the two above. */
  redisCpuPercent?: number;
  /** Commands the Redis server processed over the step, per answer. */
  redisCommandsPerAnswer?: number;
  /**
   * CPU ms per answer of everything measured on the machine (service, load generator, Redis),
   * when all three were measured; modelMsPerAnswer is the model threads' part of it.
   */
  cpuMsPerAnswer?: number;
  modelMsPerAnswer?: number;
  /** A step bisecting between the last rate held and the first that broke. */
  refinement?: boolean;
  /** The higher of the bare model's probes right before and right after this step. */
  bareAround?: number;
}

export interface StepResult {
  /** The bare model before the service started: every batch size, and one query alone. */
  bare: BareThroughput;
  /** The bare model at bare.bestBatch right before each step and after the last (service idle). */
  probes?: { batch: number; seconds: number; queriesPerSec: number[] };
  /** What heldToBare divides by: bareAround of the highest step held (bare.best without probes). */
  bareQueriesPerSec: number;
  p95LimitMs: number;
  maxErrorRate: number;
  steps: StepRow[];
  /** The highest offered rate held (0 when none was). */
  highestHeld: number;
  /** highestHeld / the bare model's best query throughput. */
  heldToBare: number;
  /** The unmeasured pass before the first step. */
  warmUp?: { rate: number; seconds: number };
  /** Cores of the machine the service, the load generator and Redis shared. */
  cores?: number;
}

const DEFAULT_STEP_SECONDS = 30;
/**
 * Seconds of each bare-model probe around the steps. The model's speed on this kind of shared
 * machine moved from 52 to 122 queries/s within one run, more than any step apart: a baseline
 * timed minutes before a step compares the step with another machine.
 */
const PROBE_SECONDS = 3;
const WARM_UP_SECONDS = 10;
/** The warm-up's unique-query stream: the steps use 1, 2, ... and the bare model the last. */
const WARM_UP_STREAM = 0;

/**
 * The warm-up's rate: the first default step's (10% of the bare model). A first step that
 * meets a cold service (code not yet optimised, model kernels not yet sized for these queries)
 * measures the start, not the rate, and a break there would leave the run with nothing held.
 */
export function warmUpRate(bareQueriesPerSec: number): number {
  return defaultRates(bareQueriesPerSec)[0];
}

/** 10%, 20%, ... 150% of the bare model's query throughput, rounded, at least 1/s. */
export function defaultRates(bareQueriesPerSec: number): number[] {
  const rates = Array.from({ length: 15 }, (_, i) =>
    Math.max(1, Math.round(((i + 1) / 10) * bareQueriesPerSec)),
  );
  return [...new Set(rates)];
}

/**
 * The last rate of the ladder held before its first break (a later lucky step does not count),
 * raised by refinement steps that held below every rate that broke.
 */
export function highestHeldRate(steps: readonly StepRow[]): number {
  return heldAndBroken(steps).held;
}

/**
 * `held`: see highestHeldRate. `broken`: the lowest rate that broke, the ladder's first break
 * and every refinement alike (undefined while the ladder has not broken).
 */
function heldAndBroken(steps: readonly StepRow[]): { held: number; broken?: number } {
  const ladder = steps.filter((s) => !s.refinement);
  const refinements = steps.filter((s) => s.refinement);
  const firstBreak = ladder.findIndex((s) => !s.held);
  const heldOnLadder = firstBreak < 0 ? ladder : ladder.slice(0, firstBreak);
  const broken =
    firstBreak < 0
      ? undefined
      : Math.min(
          ladder[firstBreak].offered,
          ...refinements.filter((s) => !s.held).map((s) => s.offered),
        );
  const heldRates = [
    heldOnLadder.length ? heldOnLadder[heldOnLadder.length - 1].offered : 0,
    ...refinements.filter((s) => s.held && s.offered < (broken ?? Infinity)).map((s) => s.offered),
  ];
  return { held: Math.max(...heldRates), broken };
}

/** Refinement stops once the rate held and the rate broken are this close (share of the bare model). */
export const REFINE_RESOLUTION = 0.025;

/**
 * The next refinement step: halfway between the highest rate held and the lowest that broke,
 * or undefined once they are within REFINE_RESOLUTION of the bare throughput (or 1/s) apart.
 */
export function refinementRate(
  held: number,
  broke: number,
  bareQueriesPerSec: number,
): number | undefined {
  if (!(broke > held)) return undefined;
  if (broke - held <= Math.max(1, REFINE_RESOLUTION * bareQueriesPerSec)) return undefined;
  const rate = Math.round((held + broke) / 2);
  return rate > held && rate < broke ? rate : undefined;
}

/** Each step's bareAround: the higher of the probes right before (i) and right after (i + 1) it. */
export function withBareAround(steps: readonly StepRow[], probes: readonly number[]): StepRow[] {
  return steps.map((step, i) =>
    probes.length > i + 1 ? { ...step, bareAround: Math.max(probes[i], probes[i + 1]) } : step,
  );
}

/** The highest rate held over the bare model around that step (0 when nothing held). */
export function heldToBareAround(
  steps: readonly StepRow[],
  highestHeld: number,
  fallbackBare: number,
): { ratio: number; bare: number } {
  const step = steps.find((s) => s.held && s.offered === highestHeld);
  const bare = step?.bareAround ?? fallbackBare;
  const ratio = highestHeld > 0 && bare > 0 ? Math.round((highestHeld / bare) * 1000) / 1000 : 0;
  return { ratio, bare };
}

/** A step holds when p95 and the error rate are within limits and the generator kept up. */
export function judgeStep(
  summary: RunSummary,
  endpoint: string,
  p95Limit: number,
  maxErrorRate: number,
): StepRow {
  const e = summary.load.endpoints.find((x) => x.name === endpoint);
  const expected = summary.load.offeredRate * summary.load.seconds;
  const row: StepRow = {
    offered: summary.load.offeredRate,
    achieved: summary.load.achievedRate,
    p50: e?.p50 ?? 0,
    p95: e?.p95 ?? 0,
    p99: e?.p99 ?? 0,
    failedRate: summary.load.failedRate,
    held: true,
    serviceCpuPercent: summary.cpu?.service?.percent,
    modelShareOfServiceCpu: modelShareOfService(summary.cpu?.model, summary.cpu?.service),
    generatorCpuPercent: summary.cpu?.loadGenerator?.percent,
    redisCpuPercent: summary.cpu?.redis?.percent,
    redisCommandsPerAnswer:
      summary.cpu?.redis && commandsPerAnswer(summary.cpu.redis, summary.load.responses),
    ...cpuPerAnswer(summary),
  };
  const broke: string[] = [];
  if (!e) broke.push('no answers');
  else if (e.p95 > p95Limit) broke.push(`p95 ${e.p95} ms > ${p95Limit} ms`);
  if (summary.load.failedRate > maxErrorRate) broke.push(`failed ${summary.load.failedRate}`);
  if (summary.load.arrivals < 0.95 * expected) {
    broke.push(`the load generator sent ${summary.load.arrivals} of ${Math.round(expected)}`);
  }
  if (broke.length) Object.assign(row, { held: false, broke: broke.join('; ') });
  return row;
}

/** CPU ms per answer over the step (see StepRow.cpuMsPerAnswer); empty when a part is missing. */
function cpuPerAnswer(summary: RunSummary): Pick<StepRow, 'cpuMsPerAnswer' | 'modelMsPerAnswer'> {
  const { service, loadGenerator, redis, model } = summary.cpu ?? {};
  const answers = summary.load.responses;
  if (!service || !loadGenerator || !redis || !(answers > 0)) return {};
  const perAnswer = (seconds: number) => round((seconds * 1000) / answers, 1);
  return {
    cpuMsPerAnswer: perAnswer(service.seconds + loadGenerator.seconds + redis.seconds),
    ...(model ? { modelMsPerAnswer: perAnswer(model.seconds) } : {}),
  };
}

export interface CpuCeiling {
  /** The rate at which the cores would be busy throughout, at the step's CPU per answer. */
  rate: number;
  /** rate over the bare model's throughput around the step. */
  ofBare: number;
}

/**
 * The highest rate the machine's cores could carry at a step's CPU cost per answer, queueing
 * aside: above it no rate holds unless a search gets cheaper (larger model batches), whatever
 * the p95 limit. Beside the bare model's throughput
 * it says how much of the gap is work (the model's batch-of-one cost, HTTP, the queue, Redis,
 * the load generator on the same cores) rather than waiting.
 */
export function cpuCeiling(
  step: StepRow,
  cores: number,
  bareQueriesPerSec: number,
): CpuCeiling | undefined {
  if (!step.cpuMsPerAnswer || !(cores > 0) || !(bareQueriesPerSec > 0)) return undefined;
  const rate = round((cores * 1000) / step.cpuMsPerAnswer, 1);
  return { rate, ofBare: round(rate / bareQueriesPerSec, 3) };
}

function thresholdOf(script: ScenarioScript, metric: string): number | undefined {
  for (const t of script.config.ensure?.thresholds ?? []) if (metric in t) return t[metric];
  return undefined;
}

/**
 * search-unique, step by step: measures the bare model's query throughput first (service not
 * yet running), then raises the offered rate until p95 or errors break, and reports the highest
 * rate held and its ratio to the bare model.
 */
export async function measureSteps(options: RunnerOptions): Promise<StepResult> {
  if (options.scenario !== 'search-unique') throw new Error('--step runs search-unique only');
  const run = prepareRun(options, `${options.scenario}-steps`);
  console.log(
    `measuring the bare model's query throughput (${options.bareSeconds} s per batch size)...`,
  );
  const bare = await bareQueryThroughput(run.prepared.material, options.env, options.bareSeconds);
  console.log(
    `bare model: ${bare.best} queries/s (batch ${bare.bestBatch}; by batch ${JSON.stringify(bare.byBatch)}); ` +
      `one at a time p50 ${bare.alone.p50Ms} ms, p95 ${bare.alone.p95Ms} ms`,
  );
  const session = await startSession(run);
  const rates = options.rates ?? defaultRates(bare.best);
  const warmUp = { rate: warmUpRate(bare.best), seconds: WARM_UP_SECONDS };
  console.log(`\nwarming up: ${warmUp.rate} searches/s for ${warmUp.seconds} s (not measured)`);
  await artilleryPass(
    session,
    scriptFor(session, options, { rate: warmUp.rate, duration: warmUp.seconds, maxErrorRate: 1 }),
    subfolder(session, 'warm-up'),
    { env: { [PROCESSOR_ENV.stream]: String(WARM_UP_STREAM) } },
  );
  await searchQueueQuiet(session);
  const probeSeconds = Math.min(PROBE_SECONDS, options.bareSeconds);
  const bareProbe = await BareProbe.start(run.prepared.material, options.env, bare.bestBatch);
  const probes: number[] = [];
  const probe = async (): Promise<void> => {
    const queriesPerSec = await bareProbe.measure(probeSeconds);
    probes.push(queriesPerSec);
    console.log(
      `bare model now (service idle): ${queriesPerSec} queries/s at batch ${bare.bestBatch}`,
    );
  };
  let steps: StepRow[] = [];
  let p95Limit = 100;
  const maxErrorRate = options.maxErrorRate ?? 0;
  const runStep = async (rate: number, label: string, refinement: boolean): Promise<StepRow> => {
    const script = scriptFor(session, options, {
      rate,
      duration: options.duration ?? DEFAULT_STEP_SECONDS,
      maxErrorRate,
    });
    const endpoint = mainEndpoint(script) as string;
    p95Limit = thresholdOf(script, `${endpoint}.p95`) ?? p95Limit;
    const index = steps.length + 1;
    console.log(`\nstep ${label}: ${rate} searches/s`);
    await probe();
    const dir = subfolder(session, `step-${String(index).padStart(2, '0')}-${rate}`);
    const summary = await artilleryPass(session, script, dir, {
      env: { [PROCESSOR_ENV.stream]: String(index) },
    });
    const row = judgeStep(summary, endpoint.split('.').pop() as string, p95Limit, maxErrorRate);
    if (refinement) row.refinement = true;
    steps.push(row);
    console.log(
      `step ${rate}/s: p50 ${row.p50} p95 ${row.p95} p99 ${row.p99} ms, failed ${row.failedRate}: ${row.held ? 'held' : `broke (${row.broke})`}`,
    );
    await searchQueueQuiet(session);
    return row;
  };
  for (const [i, rate] of rates.entries()) {
    await runStep(rate, `${i + 1}/${rates.length}`, false);
    if (steps.filter((s) => !s.held).length > options.pastBreak) break;
  }
  for (let i = 0; i < options.refine; i++) {
    const { held, broken } = heldAndBroken(steps);
    const rate = broken === undefined ? undefined : refinementRate(held, broken, bare.best);
    if (rate === undefined) break;
    await runStep(rate, `refining ${i + 1}/${options.refine}`, true);
  }
  if (steps.length > 0) await probe();
  await bareProbe.close();
  steps = withBareAround(steps, probes);
  const highestHeld = highestHeldRate(steps);
  const { ratio, bare: bareQueriesPerSec } = heldToBareAround(steps, highestHeld, bare.best);
  const result: StepResult = {
    bare,
    probes: { batch: bare.bestBatch, seconds: probeSeconds, queriesPerSec: probes },
    bareQueriesPerSec,
    p95LimitMs: p95Limit,
    maxErrorRate,
    steps,
    highestHeld,
    warmUp,
    heldToBare: ratio,
    cores: availableParallelism(),
  };
  writeFileSync(join(session.dir, 'steps.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(session.dir, 'steps.md'), renderSteps(result));
  console.log(`\n${renderSteps(result)}\nreport: ${session.dir}/steps.md`);
  return result;
}

export async function runSteps(options: RunnerOptions): Promise<number> {
  const result = await measureSteps(options);
  return result.highestHeld > 0 ? 0 : 1;
}

const percent = (value: number | undefined) => (value === undefined ? '-' : `${value}%`);

export function renderSteps(r: StepResult): string {
  const probed = (r.probes?.queriesPerSec.length ?? 0) > 0;
  const lines = [
    '# search-unique, step by step',
    '',
    `Bare model (the embedding pool, pool size ${r.bare.poolSize}, no cache, unique queries): ` +
      `${r.bare.best} queries/s at batch ${r.bare.bestBatch} (${Object.entries(r.bare.byBatch)
        .map(([b, v]) => `${b}: ${v}`)
        .join(', ')}). ` +
      `One query at a time it takes p50 ${r.bare.alone.p50Ms} ms, p95 ${r.bare.alone.p95Ms} ms.`,
    ...(r.probes && probed
      ? [
          '',
          `Right before every step and after the last, while the service idled, the bare model was timed again for ${r.probes.seconds} s at batch ${r.probes.batch}: ` +
            `${Math.min(...r.probes.queriesPerSec)} to ${Math.max(...r.probes.queriesPerSec)} queries/s over this run. ` +
            "A step's ratio divides its rate by the higher of the two probes around it, so the machine's drift over the run neither flatters nor penalises the service.",
        ]
      : []),
    ...(r.bare.alone.p95Ms > r.p95LimitMs
      ? [
          '',
          `The model alone is over the p95 limit on these queries (${r.bare.alone.p95Ms} ms > ${r.p95LimitMs} ms): ` +
            'no rate can hold here, whatever the service does around the model.',
        ]
      : []),
    '',
    `A step holds when search p95 <= ${r.p95LimitMs} ms, failed requests <= ${r.maxErrorRate} and the load generator kept up.` +
      (r.warmUp
        ? ` Before the first step, ${r.warmUp.rate} searches/s for ${r.warmUp.seconds} s warmed the service up, unmeasured, as the bare model is warmed up before it is timed.`
        : ''),
    ...(r.steps.some((s) => s.refinement)
      ? [
          '',
          `After the first break, the steps marked (refining) bisect between the highest rate held and the lowest that broke, ` +
            `until they are within ${REFINE_RESOLUTION * 100}% of the bare throughput apart; a refining step that holds counts only below every rate that broke.`,
        ]
      : []),
    '',
    'CPU is per step, from its first phase until every virtual user finished; 100% is one core busy throughout. ' +
      '"Of it the model" is the share of the service\'s CPU spent in the embedding model\'s own threads (from its /metrics); the rest is HTTP, the queue, ranking and caches. ' +
      "Redis's CPU and commands come from its own counters and count every client of that server. " +
      'The bare model had every core to itself; the steps share them with HTTP, the queue, Redis and the load generator.',
    '',
    '| offered /s | achieved /s | p50 ms | p95 ms | p99 ms | failed | held | service CPU | of it the model | load generator CPU | Redis CPU | Redis commands / answer | CPU ms / answer (model) | bare around /s | offered / bare |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.steps.map(
      (s) =>
        `| ${s.offered}${s.refinement ? ' (refining)' : ''} | ${s.achieved} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.failedRate} | ${s.held ? 'yes' : `no: ${s.broke}`} | ${percent(s.serviceCpuPercent)} | ${percent(s.modelShareOfServiceCpu)} | ${percent(s.generatorCpuPercent)} | ${percent(s.redisCpuPercent)} | ${s.redisCommandsPerAnswer ?? '-'} | ${cpuCell(s)} | ${s.bareAround ?? '-'} | ${s.bareAround ? Math.round((s.offered / s.bareAround) * 1000) / 1000 : '-'} |`,
    ),
    '',
    r.highestHeld > 0
      ? `Highest rate held: ${r.highestHeld} searches/s, ${r.heldToBare} of the bare model's query throughput` +
        (probed
          ? ` timed around that step (${r.bareQueriesPerSec} queries/s).`
          : ` (${r.bareQueriesPerSec} queries/s).`)
      : 'No rate held.',
    ...ceilingLines(r),
    ...(r.steps.every((s) => s.held)
      ? ['', 'No step broke: the limit is above the highest rate tried (add --rates).']
      : []),
  ];
  return lines.join('\n') + '\n';
}

function cpuCell(s: StepRow): string {
  if (s.cpuMsPerAnswer === undefined) return '-';
  return s.modelMsPerAnswer === undefined
    ? `${s.cpuMsPerAnswer}`
    : `${s.cpuMsPerAnswer} (${s.modelMsPerAnswer})`;
}

/** The CPU ceiling of a run's highest step held (undefined without one, or without its CPU). */
export function heldStepCeiling(r: StepResult): (CpuCeiling & { step: StepRow }) | undefined {
  const step = r.steps.find((s) => s.held && s.offered === r.highestHeld);
  if (!step || !r.cores) return undefined;
  const ceiling = cpuCeiling(step, r.cores, r.bareQueriesPerSec);
  return ceiling && { ...ceiling, step };
}

/** What the highest step held cost in CPU, and the rate at which that cost fills the cores. */
function ceilingLines(r: StepResult): string[] {
  const ceiling = heldStepCeiling(r);
  if (!ceiling || !r.cores) return [];
  const { step } = ceiling;
  const bareMs = round((r.cores * 1000) / r.bareQueriesPerSec, 1);
  const model =
    step.modelMsPerAnswer === undefined ? '' : `, ${step.modelMsPerAnswer} ms of it in the model`;
  const bareCost =
    r.bare.poolSize === 'default' || r.bare.poolSize === r.cores
      ? ` (the bare model, every core busy, spends ${bareMs} ms a query)`
      : '';
  return [
    '',
    `CPU ceiling: at ${step.offered}/s a search cost ${step.cpuMsPerAnswer} ms of CPU across the service, the load generator and Redis${model}${bareCost}. ` +
      `${r.cores} cores are full at ${ceiling.rate} searches/s at that cost, ${ceiling.ofBare} of the bare model: above that rate the cores run out unless a search costs less (larger model batches), before any queueing.`,
  ];
}
