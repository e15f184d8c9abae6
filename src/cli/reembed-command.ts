import { RaglineWaitTimeoutError } from '../client/errors';
import { RaglineClient } from '../client/ragline-client';
import type { JobView, ReembedResult } from '../client/types';
import { checkCollectionName, CliError } from './cli-error';
import { CliIO, wantsProgressBar, writeLine } from './io';
import { createProgressReporter } from './progress';
import { formatDuration } from './summary';

export interface ReembedOptions {
  url: string;
  apiKey?: string;
  embedder: string;
  wait: boolean;
  /** Stop waiting after this long (the job keeps running on the server). Default: no limit. */
  waitTimeoutMs?: number;
}

function describeState(view: JobView): string {
  if (view.state === 'delayed') return `retrying after attempt ${view.attempts}`;
  if (view.state === 'waiting') return 'queued';
  return view.progress < 2 ? 'waiting for running writes' : 'copying documents';
}

export function formatReembedResult(result: ReembedResult, elapsedMs: number): string {
  return `re-embedded ${result.documents} documents (${result.chunks} chunks) of ${result.collection} with ${result.to} (${result.dimensions} dimensions) in ${formatDuration(elapsedMs)}; now version ${result.version}, store collection ${result.storeName}`;
}

/** `ragline reembed <collection> --embedder <id>`: start the job, follow it with a bar, sum up. */
export async function runReembed(
  collection: string,
  options: ReembedOptions,
  io: CliIO,
): Promise<number> {
  const started = io.now();
  checkCollectionName(collection);
  if (options.embedder.trim() === '') throw new CliError('--embedder is empty');
  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  const accepted = await client.reembed(collection, options.embedder);
  if (accepted.status === 'unchanged' || !accepted.job) {
    writeLine(io.stdout, `${collection} already uses ${accepted.to}: nothing to do`);
    return 0;
  }
  const jobId = accepted.job.id;
  writeLine(
    io.stderr,
    `${accepted.status === 'running' ? 'already re-embedding' : 're-embedding'} ${collection}: ${accepted.from} -> ${accepted.to} (job ${jobId})`,
  );
  if (!options.wait) {
    writeLine(io.stdout, jobId);
    return 0;
  }

  const progress = createProgressReporter({
    label: 're-embedding',
    stream: io.stderr,
    tty: wantsProgressBar(io),
    intervalMs: io.progressIntervalMs,
    now: io.now,
  });
  let view: JobView;
  try {
    [view] = await client.waitForJobs([jobId], {
      pollMs: io.pollMs,
      timeoutMs: options.waitTimeoutMs,
      onProgress: (_done, _total, [current]) =>
        progress.update(current.progress, describeState(current)),
    });
  } catch (err) {
    if (!(err instanceof RaglineWaitTimeoutError)) throw err;
    writeLine(io.stderr, `stopped waiting: ${err.message} (the job goes on running on the server)`);
    return 1;
  } finally {
    progress.stop();
  }
  if (view.state === 'completed' && view.result) {
    writeLine(
      io.stdout,
      formatReembedResult(view.result as unknown as ReembedResult, io.now() - started),
    );
    return 0;
  }
  writeLine(
    io.stdout,
    `re-embedding of ${collection} ${view.state}: ${view.failedReason ?? 'no reason given'}; it keeps ${accepted.from}`,
  );
  return 1;
}
