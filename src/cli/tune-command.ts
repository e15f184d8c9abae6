import { RaglineClient } from '../client/ragline-client';
import type { TuneReport, TuneRequest } from '../client/types';
import { checkCollectionName } from './cli-error';
import { CliIO, wantsProgressBar, writeLine } from './io';
import { createProgressReporter } from './progress';
import type { ConnectionOptions } from './query-commands';
import { formatTuneReport } from './tune-format';

export interface TuneOptions extends ConnectionOptions {
  samples?: number;
  ef?: number[];
  target?: number;
  floor?: number;
  apply: boolean;
  json: boolean;
  waitTimeoutMs?: number;
}

/**
 * `ragline tune <collection>`: starts a tune job on the server (admin key), shows its progress,
 * prints the table and the recommendation. Exit 1 when --apply was asked and nothing was
 * applied (no recommendation), so scripts notice.
 */
export async function runTune(
  collection: string,
  options: TuneOptions,
  io: CliIO,
): Promise<number> {
  checkCollectionName(collection);
  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  const request: TuneRequest = { apply: options.apply };
  if (options.samples !== undefined) request.samples = options.samples;
  if (options.ef !== undefined) request.ef = options.ef;
  if (options.target !== undefined) request.target = options.target;
  if (options.floor !== undefined) request.floor = options.floor;
  const started = await client.tuneCollection(collection, request);
  if (started.alreadyRunning) {
    writeLine(
      io.stderr,
      `a tune of '${collection}' is already running (job ${started.job.id}): following it; its own options apply`,
    );
  }
  const progress = createProgressReporter({
    label: 'tune',
    stream: io.stderr,
    tty: wantsProgressBar(io),
    intervalMs: io.progressIntervalMs,
    now: io.now,
  });
  let report: TuneReport;
  try {
    report = await client.waitForTune(started.job.id, {
      pollMs: io.pollMs,
      timeoutMs: options.waitTimeoutMs,
      onProgress: (percent, view) => progress.update(percent, `job ${view.id} ${view.state}`),
    });
  } finally {
    progress.stop();
  }
  writeLine(io.stdout, options.json ? JSON.stringify(report, null, 2) : formatTuneReport(report));
  if (options.apply && !report.applied) {
    writeLine(io.stderr, `not applied: ${report.summary}`);
    return 1;
  }
  return 0;
}
