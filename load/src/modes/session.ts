import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_QUEUE } from '../../../src/search/search.constants';
import { LoadService } from '../service';
import { freshPerformance } from './drain';
import { prepareMaterial, PreparedMaterial, runDirectory } from '../run-context';
import { seed, SeedResult } from '../seed';
import type { RunnerOptions } from './options';

/** The collection every scenario searches. */
export const SEARCH_COLLECTION = 'load';

export interface PreparedRun {
  dir: string;
  options: RunnerOptions;
  prepared: PreparedMaterial;
}

export interface Session extends PreparedRun {
  service: LoadService;
  seeded: SeedResult;
}

/** The run folder and the material (corpora, query pool, vocabulary, ingest documents). */
export function prepareRun(options: RunnerOptions, label: string): PreparedRun {
  const dir = runDirectory(options.out, label);
  console.log(`run folder: ${dir}`);
  const prepared = prepareMaterial(dir, options);
  const { search, ingest } = prepared.corpora;
  const real = Math.min(search.queries.length, prepared.material.queries.length);
  console.log(
    `corpus: ${search.name}, ${search.documents.length} documents to seed; ` +
      `${ingest.name}, ${ingest.documents.length} documents for ingest under load; ` +
      `query pool of ${prepared.material.queries.length} (${real} real queries, then sentences)`,
  );
  return { dir, options, prepared };
}

/** The service started on the run's folder and seeded with the search corpus. */
export async function startSession(run: PreparedRun): Promise<Session> {
  const service = await LoadService.start({
    runDir: run.dir,
    label: run.options.scenario,
    env: run.options.env,
    keepData: run.options.keepData,
  });
  console.log(`service pid ${service.pid} at ${service.url}, Redis prefix ${service.prefix}`);
  const seeded = await seed(
    service.client,
    SEARCH_COLLECTION,
    run.prepared.corpora.search.documents,
  );
  console.log(
    `seeded ${seeded.documents} documents (${seeded.chunks} chunks, ${seeded.failed} failed) in ${seeded.seconds} s`,
  );
  return { ...run, service, seeded };
}

export async function openSession(options: RunnerOptions, label: string): Promise<Session> {
  return startSession(prepareRun(options, label));
}

export function subfolder(session: PreparedRun, name: string): string {
  const dir = join(session.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Waits until the search queue is empty in a monitor sample taken after this call began. */
export async function searchQueueQuiet(session: Session, timeoutMs = 120_000): Promise<void> {
  const since = Date.now();
  while (Date.now() - since < timeoutMs) {
    const report = await freshPerformance(session.service.client, since);
    const q = report.queues[SEARCH_QUEUE];
    if (!q || q.waiting + q.active + q.delayed === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`the search queue was not empty after ${timeoutMs / 1000} s; going on`);
}
