import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progressBar } from '../../../bench/support/report';
import { PROCESSOR_ENV } from '../processor';
import { submit } from '../seed';
import type { RunSummary } from '../summary';
import type { RunnerOptions } from './options';
import { artilleryPass, scriptFor } from './pass';
import { warmCache } from './warm';
import { freshPerformance } from './drain';
import { openSession, SEARCH_COLLECTION, searchQueueQuiet, subfolder } from './session';
import { INGEST_QUEUE } from '../../../src/queues/queue-names';

export interface IngestCompareResult {
  ingestCollection: string;
  ingestCorpus: string;
  ingestDocuments: number;
  idle: { p50: number; p95: number; p99: number; hitRate?: number; failedRate: number };
  busy: { p50: number; p95: number; p99: number; hitRate?: number; failedRate: number };
  /** busy p95 / idle p95. */
  p95Ratio: number;
  maxP95Ratio: number;
  /** The ingest was still running when the busy window ended (so it covered the window). */
  ingestCoveredWindow: boolean;
  ingestSeconds: number;
  ingestChunksPerSec: number;
  ingestFailed: number;
  passed: boolean;
}

const MAX_P95_RATIO = 2;

function searchFigures(summary: RunSummary): IngestCompareResult['idle'] {
  const e = summary.load.endpoints.find((x) => x.name === 'search');
  return {
    p50: e?.p50 ?? 0,
    p95: e?.p95 ?? 0,
    p99: e?.p99 ?? 0,
    hitRate: summary.load.cache?.hitRate,
    failedRate: summary.load.failedRate,
  };
}

/**
 * search-steady twice at the same rate and duration: idle, then while a whole corpus (one
 * never seeded) is being ingested; prints the p95 ratio. Each pass appends its own word to
 * every query, so both start with cold search and embedding caches on the same Zipf mix
 * (with --warm, each pass first searches its own queries once: both measure the steady state).
 */
export async function runIngestCompare(options: RunnerOptions): Promise<number> {
  if (options.scenario !== 'search-steady') {
    throw new Error('--ingest-compare runs search-steady only');
  }
  const session = await openSession(options, `${options.scenario}-ingest-compare`);
  const { client } = session.service;
  const ingestCollection = options.ingestInto === 'same' ? SEARCH_COLLECTION : 'ingest';
  if (ingestCollection !== SEARCH_COLLECTION) await client.createCollection(ingestCollection, {});
  const script = scriptFor(session, options);
  const [idleTag, busyTag] = session.prepared.material.vocabulary;
  const warm = async (tag: string) => {
    if (!options.warm) return;
    const queries = session.prepared.material.queries.map((q) => `${q} ${tag}`);
    const seconds = await warmCache(client, queries);
    console.log(`warmed the cache with the pool's ${queries.length} queries in ${seconds} s`);
  };

  console.log('\nsearch-steady, idle');
  await warm(idleTag);
  const idle = await artilleryPass(session, script, subfolder(session, 'idle'), {
    env: { [PROCESSOR_ENV.queryTag]: idleTag },
  });
  await searchQueueQuiet(session);

  const docs = session.prepared.corpora.ingest.documents;
  console.log(
    `\nsearch-steady while ${docs.length} documents are ingested into '${ingestCollection}'`,
  );
  await warm(busyTag);
  const ingestStarted = performance.now();
  const jobIds = await submit(client, ingestCollection, docs);
  const busy = await artilleryPass(session, script, subfolder(session, 'during-ingest'), {
    env: { [PROCESSOR_ENV.queryTag]: busyTag },
  });
  const unfinished = (await freshPerformance(client, Date.now())).queues[INGEST_QUEUE];
  const covered = unfinished ? unfinished.waiting + unfinished.active > 0 : false;
  const bar = progressBar('rest of the ingest', jobIds.length);
  const views = await client
    .waitForJobs(jobIds, { pollMs: 1000, onProgress: (n) => bar.update(n) })
    .finally(() => bar.stop());
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  const chunks = views.reduce((n, v) => n + (v.result?.chunksAdded ?? 0), 0);

  const idleFigures = searchFigures(idle);
  const busyFigures = searchFigures(busy);
  const p95Ratio = idleFigures.p95 > 0 ? busyFigures.p95 / idleFigures.p95 : Infinity;
  const result: IngestCompareResult = {
    ingestCollection,
    ingestCorpus: session.prepared.corpora.ingest.name,
    ingestDocuments: docs.length,
    idle: idleFigures,
    busy: busyFigures,
    p95Ratio: Math.round(p95Ratio * 100) / 100,
    maxP95Ratio: MAX_P95_RATIO,
    ingestCoveredWindow: covered,
    ingestSeconds: Math.round(ingestSeconds * 10) / 10,
    ingestChunksPerSec: Math.round((chunks / ingestSeconds) * 10) / 10,
    ingestFailed: views.filter((v) => v.state === 'failed').length,
    passed:
      p95Ratio <= MAX_P95_RATIO && idleFigures.failedRate === 0 && busyFigures.failedRate === 0,
  };
  writeFileSync(join(session.dir, 'compare.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(session.dir, 'compare.md'), renderCompare(result));
  console.log(`\n${renderCompare(result)}\nreport: ${session.dir}/compare.md`);
  return result.passed ? 0 : 1;
}

export function renderCompare(r: IngestCompareResult): string {
  const row = (name: string, f: IngestCompareResult['idle']) =>
    `| ${name} | ${f.p50} | ${f.p95} | ${f.p99} | ${f.hitRate ?? ''} | ${f.failedRate} |`;
  return (
    [
      `# search-steady idle vs during an ingest: ${r.passed ? 'PASSED' : 'FAILED'}`,
      '',
      '| search | p50 ms | p95 ms | p99 ms | cache hit rate | failed |',
      '| --- | --- | --- | --- | --- | --- |',
      row('idle', r.idle),
      row('during ingest', r.busy),
      '',
      `p95 during ingest / idle: ${r.p95Ratio} (goal <= ${r.maxP95Ratio}).`,
      '',
      `Ingest: ${r.ingestDocuments} documents of ${r.ingestCorpus} into '${r.ingestCollection}', ` +
        `${r.ingestSeconds} s in all (${r.ingestChunksPerSec} chunks/s), ${r.ingestFailed} failed; ` +
        (r.ingestCoveredWindow
          ? 'still running when the search window ended, so it covered all of it.'
          : 'it finished before the search window ended: use a shorter --duration or a larger corpus for a fair comparison.'),
    ].join('\n') + '\n'
  );
}
