import { RaglineApiError, RaglineWaitTimeoutError } from '../client/errors';
import { RaglineClient } from '../client/ragline-client';
import type { JobRef, JobView } from '../client/types';
import { batchDocuments, BatchLimits } from './batching';
import { checkCollectionName, CliError } from './cli-error';
import { discoverFiles, IdStyle } from './discover';
import { readDocuments, withoutBlank } from './documents';
import { CliIO, wantsProgressBar, writeLine } from './io';
import { createProgressReporter } from './progress';
import { RejectedDocument, sendBatch } from './sender';
import {
  aggregateProgress,
  exitCodeOf,
  formatBytes,
  formatSummary,
  IngestSummary,
  tallyJobs,
} from './summary';

export interface IngestOptions {
  collection: string;
  url: string;
  apiKey?: string;
  limits: BatchLimits;
  create: boolean;
  wait: boolean;
  ids: IdStyle;
  /** Stop waiting after this long (jobs keep running on the server). Default: no limit. */
  waitTimeoutMs?: number;
}

type Collections = Pick<RaglineClient, 'getCollection' | 'createCollection'>;

/** Makes sure the collection exists: creates it with default settings when allowed. */
export async function ensureCollection(
  client: Collections,
  name: string,
  create: boolean,
): Promise<boolean> {
  try {
    await client.getCollection(name);
    return false;
  } catch (err) {
    if (!(err instanceof RaglineApiError && err.status === 404)) throw err;
  }
  if (!create) {
    throw new CliError(
      `collection '${name}' does not exist: pass --create to create it with default settings`,
    );
  }
  await client.createCollection(name);
  return true;
}

function countFailed(views: readonly JobView[]): number {
  return views.filter((v) => v.state === 'failed').length;
}

/** `ragline ingest`: discover, send in batches, wait for the jobs with progress, summarize. */
export async function runIngest(
  inputs: string[],
  options: IngestOptions,
  io: CliIO,
): Promise<number> {
  const started = io.now();
  checkCollectionName(options.collection);
  const files = await discoverFiles(inputs, { cwd: io.cwd, ids: options.ids });
  const bytesById = new Map(files.map((f) => [f.id, f.bytes]));
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  writeLine(io.stderr, `found ${files.length} files (${formatBytes(totalBytes)})`);

  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  if (await ensureCollection(client, options.collection, options.create)) {
    writeLine(io.stderr, `created collection ${options.collection}`);
  }

  const tty = wantsProgressBar(io);
  const reporter = (label: string) =>
    createProgressReporter({
      label,
      stream: io.stderr,
      tty,
      intervalMs: io.progressIntervalMs,
      now: io.now,
    });

  const refs: JobRef[] = [];
  const rejected: RejectedDocument[] = [];
  let processed = 0;
  const sending = reporter('sending');
  try {
    const blank = (doc: { id: string }) => {
      rejected.push({ documentId: doc.id, reason: 'empty or only whitespace: not sent' });
      processed++;
    };
    const documents = withoutBlank(readDocuments(files), blank);
    for await (const batch of batchDocuments(documents, options.limits)) {
      const outcome = await sendBatch(client, options.collection, batch);
      refs.push(...outcome.jobs);
      rejected.push(...outcome.rejected);
      processed += batch.length;
      sending.update((100 * processed) / files.length, `${processed}/${files.length} documents`);
    }
  } finally {
    sending.stop();
  }

  const rejectedIds = new Set(rejected.map((r) => r.documentId));
  const accepted = files.filter((f) => !rejectedIds.has(f.id));
  const summary: IngestSummary = {
    documentsFound: files.length,
    documentsSent: accepted.length,
    bytesSent: accepted.reduce((sum, f) => sum + (bytesById.get(f.id) ?? 0), 0),
    rejected,
    jobsQueued: new Set(refs.map((r) => r.id)).size,
    elapsedMs: 0,
  };

  if (options.wait && refs.length > 0) {
    const jobIds = [...new Set(refs.map((r) => r.id))];
    const processing = reporter('processing');
    let views: JobView[];
    try {
      views = await client.waitForJobs(jobIds, {
        pollMs: io.pollMs,
        timeoutMs: options.waitTimeoutMs,
        onProgress: (done, total, current) =>
          processing.update(
            aggregateProgress(current),
            `${done}/${total} jobs done, ${countFailed(current)} failed`,
          ),
      });
    } catch (err) {
      if (!(err instanceof RaglineWaitTimeoutError)) throw err;
      views = err.views as JobView[];
      writeLine(
        io.stderr,
        `stopped waiting: ${err.message} (the jobs go on running on the server)`,
      );
    } finally {
      processing.stop();
    }
    summary.jobs = tallyJobs(refs, views);
  }

  summary.elapsedMs = io.now() - started;
  writeLine(io.stdout, formatSummary(summary));
  return exitCodeOf(summary);
}
