import { RaglineClient } from '../client/ragline-client';
import type {
  SourceRecord,
  SourceSettings,
  SyncSkipped,
  SyncStarted,
  SyncSummary,
} from '../client/types';
import { checkCollectionName, CliError } from './cli-error';
import { CliIO, wantsProgressBar, writeLine } from './io';
import { createProgressReporter } from './progress';
import type { ConnectionOptions } from './query-commands';

export interface SourceAddOptions extends ConnectionOptions {
  collection: string;
  sitemap: boolean;
  urls: boolean;
  include?: string[];
  exclude?: string[];
  maxPages?: number;
  maxDepth?: number;
  schedule?: string;
  wait: boolean;
  waitTimeoutMs?: number;
}

export interface SourceSyncOptions extends ConnectionOptions {
  wait: boolean;
  waitTimeoutMs?: number;
}

/** A source id names its collection: `<collection>.<12 hex>`. */
export function collectionOfSource(id: string): string {
  const match = /^([a-z0-9][a-z0-9_-]{0,62})\.[0-9a-f]{12}$/.exec(id);
  if (!match)
    throw new CliError(
      `invalid source id ${JSON.stringify(id)}: expected <collection>.<12 hex digits>`,
    );
  return match[1];
}

/** The one-paragraph summary of a sync, as `GET .../sources/:id` counts it. */
export function formatSyncSummary(summary: SyncSummary | SyncSkipped): string {
  if (summary.state === 'skipped') return `sync skipped: ${summary.reason}`;
  const lines = [
    `pages: ${summary.discovered} discovered, ${summary.fetched} fetched, ${summary.unchanged} unchanged, ` +
      `${summary.added} added, ${summary.updated} updated, ${summary.deleted} deleted, ` +
      `${summary.skipped} skipped, ${summary.failed} failed`,
  ];
  if (summary.chunks) {
    const c = summary.chunks;
    lines.push(
      `chunks: ${c.added} added, ${c.updated} updated, ${c.skipped} unchanged, ${c.deleted} deleted`,
    );
  }
  if (summary.complete === false)
    lines.push('discovery was incomplete: no page was deleted as missing');
  for (const f of summary.failures.slice(0, 10)) lines.push(`  failed  ${f.url}: ${f.reason}`);
  for (const s of summary.skips.slice(0, 10)) lines.push(`  skipped ${s.url}: ${s.reason}`);
  return lines.join('\n');
}

async function follow(
  client: RaglineClient,
  collection: string,
  sourceId: string,
  started: SyncStarted,
  options: { waitTimeoutMs?: number },
  io: CliIO,
): Promise<number> {
  if (started.alreadyRunning) {
    writeLine(
      io.stderr,
      `a sync of ${sourceId} is already running (job ${started.job.id}): following it`,
    );
  }
  const progress = createProgressReporter({
    label: 'sync',
    stream: io.stderr,
    tty: wantsProgressBar(io),
    intervalMs: io.progressIntervalMs,
    now: io.now,
  });
  let detail = '';
  let summary;
  try {
    summary = await client.waitForSync(started.job.id, {
      pollMs: io.pollMs,
      timeoutMs: options.waitTimeoutMs,
      onProgress: (percent) => {
        progress.update(percent, detail || 'discovering');
        // The counts live on the source; read them for the next redraw.
        void client.getSource(collection, sourceId).then(
          ({ lastSync: s }) => {
            if (s?.jobId === started.job.id) {
              detail = `${s.discovered} found, ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed`;
            }
          },
          () => undefined,
        );
      },
    });
  } finally {
    progress.stop();
  }
  writeLine(io.stdout, formatSyncSummary(summary));
  return 0;
}

/** `ragline sources add <url> --collection x`: a sitemap, crawl or single-URL source. */
export async function runSourceAdd(
  url: string,
  options: SourceAddOptions,
  io: CliIO,
): Promise<number> {
  checkCollectionName(options.collection);
  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  const sitemap = options.sitemap || /sitemap[^/]*\.xml(\.gz)?$/i.test(new URL(url).pathname);
  const settings: SourceSettings = options.urls
    ? { type: 'urls', urls: [url] }
    : { type: sitemap ? 'sitemap' : 'crawl', url };
  if (options.include?.length) settings.include = options.include;
  if (options.exclude?.length) settings.exclude = options.exclude;
  if (options.maxPages !== undefined) settings.maxPages = options.maxPages;
  if (options.maxDepth !== undefined) settings.maxDepth = options.maxDepth;
  if (options.schedule !== undefined) settings.schedule = options.schedule;
  const created = await client.createSource(options.collection, settings);
  writeLine(
    io.stdout,
    `source ${created.source.id} (${settings.type}); first sync: job ${created.job.id}`,
  );
  if (!options.wait) return 0;
  return follow(client, options.collection, created.source.id, created, options, io);
}

/** `ragline sources sync <id>`: sync now, and with --wait follow it to its summary. */
export async function runSourceSync(
  id: string,
  options: SourceSyncOptions,
  io: CliIO,
): Promise<number> {
  const collection = collectionOfSource(id);
  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  const started = await client.syncSource(collection, id);
  if (!options.wait) {
    writeLine(io.stdout, `sync of ${id}: job ${started.job.id}`);
    return 0;
  }
  return follow(client, collection, id, started, options, io);
}

/** `ragline sources list --collection x`: one line per source with its last sync. */
export async function runSourceList(
  collection: string,
  options: ConnectionOptions,
  io: CliIO,
): Promise<number> {
  checkCollectionName(collection);
  const client = new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
  const { sources } = await client.listSources(collection);
  if (!sources.length) writeLine(io.stdout, `no sources on '${collection}'`);
  for (const s of sources as SourceRecord[]) {
    const last = s.lastSync
      ? `last sync ${s.lastSync.state} at ${s.lastSync.finishedAt ?? s.lastSync.startedAt}: ${s.lastSync.added} added, ${s.lastSync.updated} updated, ${s.lastSync.deleted} deleted, ${s.lastSync.failed} failed`
      : 'never synced';
    const where = s.url ?? `${s.urls?.length ?? 0} URLs`;
    writeLine(
      io.stdout,
      `${s.id}  ${s.type}  ${where}${s.schedule ? `  every ${s.schedule}` : ''}  ${last}`,
    );
  }
  return 0;
}
