/**
 * A sync of a local documentation site (support/docs-site.ts, on 127.0.0.1) through the real
 * service: pages fetched and extracted per second against the ingest pipeline's own rate in
 * the same run, and a no-change resync (conditional requests, 304s) against the first sync.
 *
 *   npm run bench:sources
 *
 * Env: BENCH_SOURCES_PAGES (default 300), BENCH_SOURCES_HOST_CONCURRENCY (default 4).
 */
import type { SyncSummary } from '../src/sources/sources.types';
import { startDocsSite } from './support/docs-site';
import { printBenchLine, round } from './support/report';
import { awaitJobs, postJson, startBenchService } from './support/service';

async function sync(base: string, path: string, body?: unknown): Promise<SyncSummary> {
  const res = await postJson<{ job: { id: string }; source?: { id: string } }>(
    `${base}${path}`,
    body ?? {},
  );
  if (res.status !== 202)
    throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const [job] = await awaitJobs(base, [res.body.job.id]);
  if (job.state !== 'completed') throw new Error(`sync ${job.state}: ${job.failedReason ?? ''}`);
  return job.result as unknown as SyncSummary;
}

function describe(label: string, s: SyncSummary): void {
  const t = s.timings!;
  console.log(
    `${label}: ${s.discovered} pages discovered, ${s.fetched} fetched, ${s.unchanged} unchanged, ${s.added} added; ` +
      `chunks ${s.chunks!.added} added; fetch+extract ${(t.fetchMs / 1000).toFixed(2)} s, ` +
      `then ingest wait ${(t.ingestWaitMs / 1000).toFixed(2)} s, total ${(t.totalMs / 1000).toFixed(2)} s`,
  );
}

async function main(): Promise<void> {
  const pages = Number(process.env.BENCH_SOURCES_PAGES ?? 300);
  const site = await startDocsSite(pages);
  const service = await startBenchService('sources', {
    RAGLINE_FETCH_ALLOW: '127.0.0.1/32',
    RAGLINE_FETCH_HOST_DELAY_MS: '0',
    RAGLINE_FETCH_HOST_CONCURRENCY: process.env.BENCH_SOURCES_HOST_CONCURRENCY ?? '4',
  });
  try {
    await postJson(`${service.url}/v1/collections/site`, {}, 'PUT');
    const first = await sync(service.url, '/v1/collections/site/sources', {
      type: 'sitemap',
      url: `${site.url}/sitemap.xml`,
    });
    describe('first sync', first);
    const sources = await fetch(`${service.url}/v1/collections/site/sources`).then(
      (r) => r.json() as Promise<{ sources: Array<{ id: string }> }>,
    );
    const id = sources.sources[0].id;
    const resync = await sync(service.url, `/v1/collections/site/sources/${id}/sync`);
    describe('no-change resync', resync);

    const t = first.timings!;
    // Fetch and extraction ran while the pipeline embedded what it had been handed (same CPU).
    const pagesPerSec = first.fetched / (t.fetchMs / 1000);
    const pipelinePagesPerSec = first.added / (t.totalMs / 1000);
    const pipelineChunksPerSec = first.chunks!.added / (t.totalMs / 1000);
    console.log(
      `\nfetch + extract: ${pagesPerSec.toFixed(1)} pages/s; whole pipeline: ${pipelinePagesPerSec.toFixed(1)} pages/s ` +
        `(${pipelineChunksPerSec.toFixed(1)} chunks/s); fetching is ${(pagesPerSec / pipelinePagesPerSec).toFixed(1)}x the pipeline's rate`,
    );
    console.log(
      `no-change resync: ${(resync.timings!.totalMs / 1000).toFixed(2)} s vs ${(t.totalMs / 1000).toFixed(2)} s first ` +
        `(${resync.chunks!.added + resync.chunks!.updated} chunks embedded, ${resync.fetched} pages downloaded again)`,
    );
    printBenchLine({
      pages: first.discovered,
      pagesPerSec: round(pagesPerSec, 1),
      pipelinePagesPerSec: round(pipelinePagesPerSec, 1),
      pipelineChunksPerSec: round(pipelineChunksPerSec, 1),
      ratio: round(pagesPerSec / pipelinePagesPerSec, 2),
      resyncMs: resync.timings!.totalMs,
      firstSyncMs: t.totalMs,
      resyncToFirst: round(resync.timings!.totalMs / t.totalMs, 3),
      resyncChunksEmbedded: resync.chunks!.added + resync.chunks!.updated,
    });
  } finally {
    await service.stop();
    await site.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
