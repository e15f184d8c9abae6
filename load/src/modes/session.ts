import { waitForServing } from '../../../bench/support/serving';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds } from '../process-cpu';
import { LoadService } from '../service';
import { freshPerformance } from './drain';
import { prepareMaterial, PreparedMaterial, runDirectory } from '../run-context';
import { seed, SeedResult } from '../seed';
import type { RunnerOptions } from './options';
import { SEARCH_QUEUE } from '../../../src/queues/queue-names';

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
  await servedFromMemory(service, seeded.chunks);
  await settled(service);
  return { ...run, service, seeded };
}

/**
 * Waits until the search worker answers from its in-memory index (embedded store), so the
 * first step does not measure the store fallback that answers while the index loads. The first
 * search of a collection starts the load; a service whose metrics never show a serving index
 * (Qdrant, RAGLINE_SERVING=false) goes on after a short look.
 */
async function servedFromMemory(service: LoadService, chunks: number): Promise<void> {
  if (chunks === 0) return;
  await service.client.search(SEARCH_COLLECTION, { query: 'load the serving index', mode: 'bm25' });
  const started = Date.now();
  try {
    const served = await waitForServing(service.url, chunks, 180_000, 15_000);
    console.log(
      served
        ? `in-memory serving index loaded in ${Date.now() - started} ms`
        : 'no in-memory serving index in this service: going on',
    );
  } catch (error) {
    console.log(`going on without the in-memory serving index: ${(error as Error).message}`);
  }
}

/**
 * Waits (at most two minutes) until the service is nearly idle: after a seed it still builds
 * store indexes and compacts in native threads for a while, and a first step measured then
 * measures that work, not searching.
 */
async function settled(service: LoadService): Promise<void> {
  const started = Date.now();
  let last = cpuSeconds(service.pid);
  while (Date.now() - started < 120_000 && last !== undefined) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = cpuSeconds(service.pid);
    if (now === undefined) return;
    const busy = (now - last) / 2;
    last = now;
    if (busy < 0.15) break;
  }
  console.log(`service settled after ${Math.round((Date.now() - started) / 1000)} s`);
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
