import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RaglineApiError, RaglineError, RaglineNetworkError } from '../client/errors';
import type { SearchMode } from '../client/types';
import { DEFAULT_BATCH_LIMITS } from './batching';
import { runCollections, runDocuments } from './catalog-commands';
import { CliError } from './cli-error';
import { defaultBaseUrl, unreachableMessage } from './connection';
import { DiscoveryError, IdStyle } from './discover';
import { runIngest } from './ingest-command';
import { CliIO, writeLine } from './io';
import { runJobs, runSearch } from './query-commands';
import { runReembed } from './reembed-command';
import { runSourceAdd, runSourceList, runSourceSync } from './sources-command';
import { runTune } from './tune-command';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A recall such as 0.99: above 0, at most 1. */
function recall(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new InvalidArgumentError('expected a recall above 0 and at most 1, e.g. 0.99');
  return n;
}

/** "16,32,64" → [16, 32, 64] */
function efList(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  const efs = parts.map(Number);
  if (parts.length === 0 || efs.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError('expected positive integers separated by commas, e.g. 16,32,64');
  }
  return efs;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** Finds ragline's package.json whether running from src/ (tests) or dist/src/ (built). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === 'ragline' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

interface ConnectionFlags {
  url: string;
  apiKey?: string;
}

function withConnection(command: Command, io: CliIO): Command {
  return command
    .option(
      '--url <url>',
      'ragline base URL (RAGLINE_URL, or http://HOST:PORT)',
      defaultBaseUrl(io.env),
    )
    .option('--api-key <key>', 'API key sent as a bearer token (default: RAGLINE_API_KEY)');
}

function connection(flags: ConnectionFlags, io: CliIO): ConnectionFlags {
  let url: URL;
  try {
    url = new URL(flags.url);
  } catch {
    throw new CliError(`--url is not a URL: ${flags.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--url must be http(s): ${flags.url}`);
  return { url: flags.url, apiKey: flags.apiKey ?? (io.env.RAGLINE_API_KEY || undefined) };
}

/** Turns what went wrong into one clear line for the user. */
function describeError(err: unknown, baseUrl: string | undefined): string {
  if (err instanceof RaglineNetworkError) {
    const where = baseUrl ?? new URL(err.url).origin;
    return err.reason === 'unreachable'
      ? unreachableMessage(where)
      : `ragline at ${where} did not answer in time (${err.message})`;
  }
  if (err instanceof RaglineApiError) {
    const hint =
      err.status === 401 || err.status === 403
        ? ' (check --api-key or RAGLINE_API_KEY and its scopes)'
        : '';
    return `ragline answered ${err.status} ${err.code}: ${err.message}${hint}`;
  }
  if (err instanceof CliError || err instanceof DiscoveryError || err instanceof RaglineError)
    return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Builds the command tree. Actions report their exit code through `setExitCode`. */
function buildProgram(
  io: CliIO,
  setExitCode: (code: number) => void,
  setBaseUrl: (url: string) => void,
): Command {
  const program = new Command('ragline')
    .description(
      'Producer CLI of ragline: ingest files, search, inspect jobs, tune and re-embed collections',
    )
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError();

  withConnection(
    program
      .command('ingest')
      .description(
        'ingest Markdown (.md .markdown .mdx), text (.txt .text) and HTML (.html .htm) files',
      )
      .argument('<dir-or-glob...>', 'directories (searched recursively), files, or quoted globs')
      .requiredOption('-c, --collection <name>', 'target collection')
      .option(
        '--batch <n>',
        'documents per request',
        positiveInt,
        DEFAULT_BATCH_LIMITS.maxDocuments,
      )
      .option(
        '--max-bytes <n>',
        'request body limit in bytes',
        positiveInt,
        DEFAULT_BATCH_LIMITS.maxBytes,
      )
      .option('--create', 'create the collection (default settings) if it does not exist', false)
      .option('--no-wait', 'return once the documents are queued, without waiting for the jobs')
      .option(
        '--wait-timeout <seconds>',
        'stop waiting after this long (jobs keep running)',
        positiveNumber,
      )
      .addOption(
        new Option(
          '--ids <style>',
          'document ids: path relative to the directory given, or file name',
        )
          .choices(['relative', 'basename'])
          .default('relative'),
      ),
    io,
  ).action(
    async (
      inputs: string[],
      flags: ConnectionFlags & {
        collection: string;
        batch: number;
        maxBytes: number;
        create: boolean;
        wait: boolean;
        waitTimeout?: number;
        ids: IdStyle;
      },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(
        await runIngest(
          inputs,
          {
            ...conn,
            collection: flags.collection,
            limits: { maxDocuments: flags.batch, maxBytes: flags.maxBytes },
            create: flags.create,
            wait: flags.wait,
            ids: flags.ids,
            waitTimeoutMs: flags.waitTimeout === undefined ? undefined : flags.waitTimeout * 1000,
          },
          io,
        ),
      );
    },
  );

  withConnection(
    program
      .command('search')
      .description('search a collection and print the hits')
      .argument('<collection>', 'collection name')
      .argument('<query...>', 'the query (several words are joined with spaces)')
      .option('-l, --limit <n>', 'number of hits (server default 10, max 100)', positiveInt)
      .addOption(new Option('-m, --mode <mode>', 'ranking').choices(['dense', 'bm25', 'hybrid']))
      .option(
        '--filter <json>',
        'filter as JSON, e.g. {"must":[{"key":"metadata.path","match":"a.md"}]}',
      )
      .option('--json', 'print the raw response', false),
    io,
  ).action(
    async (
      collection: string,
      words: string[],
      flags: ConnectionFlags & {
        limit?: number;
        mode?: SearchMode;
        filter?: string;
        json: boolean;
      },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(await runSearch(collection, words.join(' '), { ...flags, ...conn }, io));
    },
  );

  withConnection(
    program
      .command('jobs')
      .description('show one job, or list failed jobs')
      .argument('[id]', 'job id')
      .option('--failed', 'list failed (dead-lettered) jobs', false)
      .option('--queue <name>', 'only jobs of this queue (with --failed)')
      .option('--json', 'print raw JSON', false),
    io,
  ).action(
    async (
      id: string | undefined,
      flags: ConnectionFlags & { failed: boolean; queue?: string; json: boolean },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(await runJobs(id, { ...flags, ...conn }, io));
    },
  );

  withConnection(
    program
      .command('collections')
      .description('list the collections with their documents, chunks and embedder')
      .option('--json', 'print raw JSON', false),
    io,
  ).action(async (flags: ConnectionFlags & { json: boolean }) => {
    const conn = connection(flags, io);
    setBaseUrl(conn.url);
    setExitCode(await runCollections({ ...flags, ...conn }, io));
  });

  withConnection(
    program
      .command('documents')
      .description("list a collection's documents (id, chunks, last update, metadata)")
      .argument('<collection>', 'collection name')
      .option('-l, --limit <n>', 'at most this many (default: all)', positiveInt)
      .option('--json', 'print raw JSON', false),
    io,
  ).action(
    async (collection: string, flags: ConnectionFlags & { limit?: number; json: boolean }) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(await runDocuments(collection, { ...flags, ...conn }, io));
    },
  );

  withConnection(
    program
      .command('reembed')
      .description(
        'move a collection to another embedder (admin key): every stored chunk is embedded again; searches use the old embedder until the switch',
      )
      .argument('<collection>', 'collection name')
      .requiredOption(
        '-e, --embedder <id>',
        "the new embedder, e.g. 'use-lite' or 'openai:<model>'",
      )
      .option('--no-wait', 'print the job id and return, without waiting for the job')
      .option(
        '--wait-timeout <seconds>',
        'stop waiting after this long (the job keeps running)',
        positiveNumber,
      ),
    io,
  ).action(
    async (
      collection: string,
      flags: ConnectionFlags & { embedder: string; wait: boolean; waitTimeout?: number },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(
        await runReembed(
          collection,
          {
            ...conn,
            embedder: flags.embedder,
            wait: flags.wait,
            waitTimeoutMs: flags.waitTimeout === undefined ? undefined : flags.waitTimeout * 1000,
          },
          io,
        ),
      );
    },
  );

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const waitSeconds = (flags: { waitTimeout?: number }) =>
    flags.waitTimeout === undefined ? undefined : flags.waitTimeout * 1000;
  const sources = program
    .command('sources')
    .description('documentation sites kept in sync with a collection (sitemap, crawl, URL list)');
  withConnection(
    sources
      .command('add')
      .description('add a source and start its first sync (a sitemap URL, or a page to crawl from)')
      .argument('<url>', 'sitemap (or sitemap index) URL, or the start page of a crawl')
      .requiredOption('-c, --collection <name>', 'target collection')
      .option('--sitemap', 'the URL is a sitemap (the default for .../sitemap*.xml)', false)
      .option('--urls', 'fetch just this URL (type urls)', false)
      .option('--include <pattern>', 'URL prefix or glob to include (repeatable)', collect)
      .option('--exclude <pattern>', 'URL prefix or glob to exclude (repeatable)', collect)
      .option('--max-pages <n>', 'pages per sync at most', positiveInt)
      .option('--max-depth <n>', 'crawl depth from the start page (default 5)', positiveInt)
      .option('--schedule <when>', "sync again on a cron expression or an interval ('6h', '1d')")
      .option('--wait', 'follow the first sync with a progress bar and print its summary', false)
      .option('--wait-timeout <seconds>', 'stop waiting after this long', positiveNumber),
    io,
  ).action(
    async (
      url: string,
      flags: ConnectionFlags & {
        collection: string;
        sitemap: boolean;
        urls: boolean;
        include?: string[];
        exclude?: string[];
        maxPages?: number;
        maxDepth?: number;
        schedule?: string;
        wait: boolean;
        waitTimeout?: number;
      },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(
        await runSourceAdd(url, { ...flags, ...conn, waitTimeoutMs: waitSeconds(flags) }, io),
      );
    },
  );
  withConnection(
    sources
      .command('sync')
      .description('sync a source now (its id is <collection>.<hex>, as `sources add` printed)')
      .argument('<id>', 'source id')
      .option('--wait', 'follow the sync with a progress bar and print its summary', false)
      .option('--wait-timeout <seconds>', 'stop waiting after this long', positiveNumber),
    io,
  ).action(async (id: string, flags: ConnectionFlags & { wait: boolean; waitTimeout?: number }) => {
    const conn = connection(flags, io);
    setBaseUrl(conn.url);
    setExitCode(
      await runSourceSync(id, { ...conn, wait: flags.wait, waitTimeoutMs: waitSeconds(flags) }, io),
    );
  });
  withConnection(
    sources
      .command('list')
      .description("a collection's sources and their last syncs")
      .requiredOption('-c, --collection <name>', 'collection'),
    io,
  ).action(async (flags: ConnectionFlags & { collection: string }) => {
    const conn = connection(flags, io);
    setBaseUrl(conn.url);
    setExitCode(await runSourceList(flags.collection, conn, io));
  });

  withConnection(
    program
      .command('tune')
      .description(
        "measure recall@10 and latency per ef on a collection's own data, and recommend an ef (admin key)",
      )
      .argument('<collection>', 'collection name')
      .option('--samples <n>', 'stored points sampled as queries (server default 200)', positiveInt)
      .option('--ef <list>', 'ef values to measure (server default 16,32,64,128,256)', efList)
      .option('--target <recall>', 'recall@10 the recommended ef must reach (default 0.99)', recall)
      .option(
        '--floor <recall>',
        'lowest recall@10 the optimizer may trade down to under load (default 0.95)',
        recall,
      )
      .option(
        '--apply',
        'store the recommended ef on the collection; its searches then use it',
        false,
      )
      .option('--json', 'print the raw report', false)
      .option(
        '--wait-timeout <seconds>',
        'stop waiting after this long (the job keeps running)',
        positiveNumber,
      ),
    io,
  ).action(
    async (
      collection: string,
      flags: ConnectionFlags & {
        samples?: number;
        ef?: number[];
        target?: number;
        floor?: number;
        apply: boolean;
        json: boolean;
        waitTimeout?: number;
      },
    ) => {
      const conn = connection(flags, io);
      setBaseUrl(conn.url);
      setExitCode(
        await runTune(
          collection,
          {
            ...conn,
            samples: flags.samples,
            ef: flags.ef,
            target: flags.target,
            floor: flags.floor,
            apply: flags.apply,
            json: flags.json,
            waitTimeoutMs: flags.waitTimeout === undefined ? undefined : flags.waitTimeout * 1000,
          },
          io,
        ),
      );
    },
  );

  return program;
}

/** Runs the CLI with `argv` as process.argv gives it (node, script, ...args); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  let baseUrl: string | undefined;
  const program = buildProgram(
    io,
    (code) => (exitCode = code),
    (url) => (baseUrl = url),
  );
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    writeLine(io.stderr, `error: ${describeError(err, baseUrl)}`);
    return 1;
  }
}
