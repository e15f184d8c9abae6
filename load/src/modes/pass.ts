import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArtillery } from '../artillery';
import { PROCESSOR_ENV } from '../processor';
import { machine } from '../run-context';
import { PROCESSOR } from '../artillery';
import {
  offeredLoad,
  readScenario,
  ScenarioScript,
  shapeScript,
  ShapeOptions,
} from '../scenario-script';
import {
  ArtilleryAggregate,
  loadFigures,
  passed,
  renderSummary,
  RunSummary,
  serverView,
} from '../summary';
import { ZipfSampler } from '../zipf';
import type { RunnerOptions } from './options';
import type { Session } from './session';

/** The scenario shaped by the command-line options (and `overrides`), aimed at the service. */
export function scriptFor(
  session: Session,
  options: RunnerOptions,
  overrides: Partial<ShapeOptions> = {},
): ScenarioScript {
  return shapeScript(readScenario(options.scenario), {
    target: session.service.url,
    processor: PROCESSOR,
    rate: options.rate,
    duration: options.duration,
    variables: { zipfExponent: options.zipf },
    p95: options.p95,
    p99: options.p99,
    maxErrorRate: options.maxErrorRate,
    minHitRate: options.minHitRate,
    ...overrides,
  });
}

export interface PassOptions {
  /** Environment for the processor beyond the material file (query tag, stream). */
  env?: Record<string, string>;
  notes?: string[];
}

/**
 * One artillery run against the session's service; writes script.yml, artillery.json,
 * artillery.log, summary.json and summary.md into `dir` and returns the summary.
 */
export async function artilleryPass(
  session: Session,
  script: ScenarioScript,
  dir: string,
  options: PassOptions = {},
): Promise<RunSummary> {
  const startedAt = new Date();
  const run = await runArtillery(
    script,
    dir,
    { [PROCESSOR_ENV.material]: session.prepared.path, ...options.env },
    {
      quiet: session.options.quiet,
      servicePid: session.service.pid,
      serviceUrl: session.service.url,
      redisUrl: session.service.redisUrl,
    },
  );
  const report = JSON.parse(readFileSync(run.reportPath, 'utf8')) as {
    aggregate: ArtilleryAggregate;
  };
  const load = loadFigures(report.aggregate, offeredLoad(script));
  const performance = await session.service.client.performance().catch(() => undefined);
  const zipfSearches = load.endpoints.find((e) => e.name === 'search')?.requests ?? 0;
  const onlyZipf = !load.endpoints.some((e) => e.name === 'search-unique');
  const { search } = session.prepared.corpora;
  const summary: RunSummary = {
    scenario: session.options.scenario,
    startedAt: startedAt.toISOString(),
    machine: machine(),
    corpus: {
      seeded: search.name,
      documents: session.seeded.documents,
      chunks: session.seeded.chunks,
      seedSeconds: session.seeded.seconds,
    },
    phases: script.config.phases,
    load,
    checks: run.checks,
    passed: passed(run.exitCode, run.checks),
    server: performance ? serverView(performance, startedAt) : undefined,
    cpu: run.cpu,
    notes: options.notes ?? [],
  };
  if (zipfSearches > 0 && onlyZipf) {
    const exponent = Number(script.config.variables?.zipfExponent ?? 1);
    const sampler = new ZipfSampler(session.prepared.material.queries.length, exponent);
    summary.expectedHitRate = Math.round(sampler.expectedRepeatShare(zipfSearches) * 1000) / 1000;
  }
  saveSummary(dir, summary);
  return summary;
}

export function saveSummary(dir: string, summary: RunSummary): void {
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(dir, 'summary.md'), renderSummary(summary));
}
