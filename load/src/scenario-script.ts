import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

/** The parts of an artillery script the runner reads or rewrites. */
export interface Phase {
  name?: string;
  duration: number;
  arrivalRate: number;
  rampTo?: number;
}

export interface EnsureChecks {
  thresholds?: Record<string, number>[];
  conditions?: { expression: string; strict?: boolean }[];
}

export interface ScenarioScript {
  config: {
    target: string;
    processor: string;
    phases: Phase[];
    variables?: Record<string, unknown>;
    plugins?: Record<string, unknown>;
    ensure?: EnsureChecks;
    [key: string]: unknown;
  };
  scenarios: { name?: string; flow: unknown[] }[];
}

/** Where the scenario files live: load/scenarios, found from the repository root. */
export function scenariosDir(root = process.cwd()): string {
  return resolve(root, 'load', 'scenarios');
}

export function scenarioNames(dir = scenariosDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -'.yml'.length))
    .sort();
}

export function readScenario(name: string, dir = scenariosDir()): ScenarioScript {
  if (!scenarioNames(dir).includes(name)) {
    throw new Error(`no scenario '${name}' (known: ${scenarioNames(dir).join(', ')})`);
  }
  return load(readFileSync(join(dir, `${name}.yml`), 'utf8')) as ScenarioScript;
}

export interface ShapeOptions {
  target: string;
  processor: string;
  /** Arrivals/s of the first phase; the other phases keep their ratio to it. */
  rate?: number;
  /** Total seconds; every phase keeps its share. */
  duration?: number;
  variables?: Record<string, unknown>;
  /** Limits on the scenario's main endpoint (the first one its thresholds name). */
  p95?: number;
  p99?: number;
  maxErrorRate?: number;
  minHitRate?: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A copy of the script for one run: target, processor, phases and limits as asked.
 *
 * Every constant phase is written as a ramp to its own rate (`rampTo: arrivalRate`). Artillery
 * times a plain `arrivalRate` phase with nanotimer, whose setInterval spins on setImmediate for
 * the last 25 ms before each arrival, so from about 40 arrivals/s on it keeps a core busy even
 * against a server that answers at once (measured: 46/s for 10 s took 13.2 CPU s, about 20 ms
 * a request). A ramp is timed with ordinary timers and sends the same arrivals (4.4 CPU s, most
 * of it start-up). On 2 cores that spin took the CPU the service under test needed.
 */
export function shapeScript(script: ScenarioScript, options: ShapeOptions): ScenarioScript {
  const out = structuredClone(script);
  out.config.target = options.target;
  out.config.processor = options.processor;
  const phases = out.config.phases;
  if (options.rate !== undefined) {
    const factor = options.rate / phases[0].arrivalRate;
    for (const p of phases) {
      p.arrivalRate = round2(p.arrivalRate * factor);
      if (p.rampTo !== undefined) p.rampTo = round2(p.rampTo * factor);
    }
  }
  const variables: Record<string, unknown> = { ...out.config.variables };
  if (options.duration !== undefined) {
    const factor = options.duration / phases.reduce((sum, p) => sum + p.duration, 0);
    for (const p of phases) p.duration = Math.max(1, Math.round(p.duration * factor));
    // variables named *Seconds are moments within the run (e.g. burstAtSeconds): they scale too
    for (const [key, value] of Object.entries(variables)) {
      if (key.endsWith('Seconds') && typeof value === 'number') {
        variables[key] = Math.round(value * factor * 10) / 10;
      }
    }
  }
  for (const p of phases) {
    // Artillery's ramp sends whole arrivals per second and has no tick for a 1 s phase: those
    // keep the plain form, whose spin then lasts a second at most.
    if (p.rampTo === undefined && p.duration >= 2 && Number.isInteger(p.arrivalRate)) {
      p.rampTo = p.arrivalRate;
    }
  }
  out.config.variables = { ...variables, ...options.variables };
  const ensure = (out.config.ensure ??= {});
  const main = mainEndpoint(out);
  if (main && options.p95 !== undefined) setThreshold(ensure, `${main}.p95`, options.p95);
  if (main && options.p99 !== undefined) setThreshold(ensure, `${main}.p99`, options.p99);
  if (options.maxErrorRate !== undefined) {
    setCondition(ensure, ERROR_RATE, '<=', options.maxErrorRate);
  }
  if (options.minHitRate !== undefined) setCondition(ensure, HIT_RATE, '>=', options.minHitRate);
  return out;
}

export const ERROR_RATE = 'vusers.failed / vusers.created';
export const HIT_RATE = 'ragline.search.hit / ragline.search.responses';
const RESPONSE_TIME = 'plugins.metrics-by-endpoint.response_time.';

/** `plugins.metrics-by-endpoint.response_time.<endpoint>` of the first threshold. */
export function mainEndpoint(script: ScenarioScript): string | undefined {
  for (const t of script.config.ensure?.thresholds ?? []) {
    const metric = Object.keys(t)[0];
    if (metric?.startsWith(RESPONSE_TIME)) return metric.replace(/\.p\d+$/, '');
  }
  return undefined;
}

export function setThreshold(ensure: EnsureChecks, metric: string, max: number): void {
  const thresholds = (ensure.thresholds ??= []);
  const existing = thresholds.find((t) => metric in t);
  if (existing) existing[metric] = max;
  else thresholds.push({ [metric]: max });
}

/** Replaces the limit of the condition `<lhs> <op> <n>`, or adds it. */
export function setCondition(ensure: EnsureChecks, lhs: string, op: string, value: number): void {
  const conditions = (ensure.conditions ??= []);
  const expression = `${lhs} ${op} ${value}`;
  const existing = conditions.find((c) => c.expression.startsWith(`${lhs} `));
  if (existing) existing.expression = expression;
  else conditions.push({ expression });
}

/** The arrival rate of each phase, for the report: offered load over time. */
export function offeredLoad(script: ScenarioScript): { meanRate: number; seconds: number } {
  const phases = script.config.phases;
  const seconds = phases.reduce((sum, p) => sum + p.duration, 0);
  const arrivals = phases.reduce(
    (sum, p) => sum + (p.duration * (p.arrivalRate + (p.rampTo ?? p.arrivalRate))) / 2,
    0,
  );
  return { meanRate: round2(arrivals / seconds), seconds };
}
