import { progressBar } from '../../bench/support/report';
import type { RaglineClient } from '../../src/client';
import type { LoadDocument } from './corpus';

export interface SeedResult {
  documents: number;
  chunks: number;
  failed: number;
  seconds: number;
}

const BATCH = 250;

/**
 * Creates the collection and ingests the documents through the HTTP API in batches, then waits
 * for every job (a progress bar on a terminal). Failed jobs are counted, not hidden.
 */
export async function seed(
  client: RaglineClient,
  collection: string,
  documents: readonly LoadDocument[],
  label = `seeding ${collection}`,
): Promise<SeedResult> {
  const started = performance.now();
  await client.createCollection(collection, {});
  const ids = await submit(client, collection, documents);
  const bar = progressBar(label, ids.length);
  try {
    const views = await client.waitForJobs(ids, {
      pollMs: 500,
      onProgress: (done) => bar.update(done),
    });
    return {
      documents: documents.length,
      chunks: views.reduce((n, v) => n + (v.result?.chunksAdded ?? 0), 0),
      failed: views.filter((v) => v.state === 'failed').length,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    bar.stop();
  }
}

/** Posts the documents in batches; returns the job ids. */
export async function submit(
  client: RaglineClient,
  collection: string,
  documents: readonly LoadDocument[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < documents.length; i += BATCH) {
    const batch = documents
      .slice(i, i + BATCH)
      .map((d) =>
        d.markdown !== undefined
          ? { id: d.id, markdown: d.markdown }
          : { id: d.id, text: d.text ?? '' },
      );
    const res = await client.ingest(collection, batch);
    ids.push(...res.jobs.map((j) => j.id));
  }
  return ids;
}
