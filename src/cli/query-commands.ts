import { RaglineClient } from '../client/ragline-client';
import type {
  Filter,
  JobView,
  ReembedResult,
  SearchMode,
  SearchRequest,
  SearchResponse,
} from '../client/types';
import { checkCollectionName, CliError } from './cli-error';
import { CliIO, writeLine } from './io';
import { formatDuration } from './summary';

export interface ConnectionOptions {
  url: string;
  apiKey?: string;
}

export interface SearchOptions extends ConnectionOptions {
  limit?: number;
  mode?: SearchMode;
  filter?: string;
  json: boolean;
}

export interface JobsOptions extends ConnectionOptions {
  failed: boolean;
  queue?: string;
  json: boolean;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function parseFilter(raw: string): Filter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new CliError(`--filter is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      '--filter must be a JSON object such as {"must":[{"key":"metadata.path","match":"a.md"}]}',
    );
  }
  return parsed as Filter;
}

export function formatSearchResponse(response: SearchResponse): string {
  const { hits, took } = response;
  const lines = [
    `${hits.length} hit${hits.length === 1 ? '' : 's'} (cache ${response.cache}, ${formatDuration(took.totalMs)}, collection version ${response.version})`,
  ];
  hits.forEach((hit, i) => {
    const rank = String(i + 1).padStart(3);
    lines.push(`${rank}. ${hit.score.toFixed(4)}  ${hit.documentId} #${hit.chunkIndex}`);
    lines.push(`      ${oneLine(hit.text, 160)}`);
  });
  return lines.join('\n');
}

export function formatJob(job: JobView): string {
  const parts = [
    job.id,
    job.queue || '-',
    job.state,
    `${Math.round(job.progress)}%`,
    `attempts=${job.attempts}`,
  ];
  const r = job.result;
  if (r && job.queue === 'reembed') {
    const reembed = r as unknown as ReembedResult;
    parts.push(
      `${reembed.from} -> ${reembed.to}: ${reembed.documents} documents, ${reembed.chunks} chunks`,
    );
  } else if (r && typeof r.chunksAdded === 'number') {
    parts.push(
      `chunks +${r.chunksAdded} ~${r.chunksUpdated} =${r.chunksSkipped} -${r.chunksDeleted}`,
    );
  } else if (r && typeof r.summary === 'string') {
    // A tune job's report: its one-line summary (`ragline tune` prints the table).
    parts.push(oneLine(r.summary, 300));
  }
  if (job.failedReason) parts.push(`reason: ${oneLine(job.failedReason, 300)}`);
  return parts.join('  ');
}

function clientFor(options: ConnectionOptions): RaglineClient {
  return new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
}

/** `ragline search <collection> <query...>` */
export async function runSearch(
  collection: string,
  query: string,
  options: SearchOptions,
  io: CliIO,
): Promise<number> {
  checkCollectionName(collection);
  if (query.trim() === '') throw new CliError('the query is empty');
  const body: SearchRequest = { query };
  if (options.limit !== undefined) body.limit = options.limit;
  if (options.mode !== undefined) body.mode = options.mode;
  if (options.filter !== undefined) body.filter = parseFilter(options.filter);
  const response = await clientFor(options).search(collection, body);
  writeLine(
    io.stdout,
    options.json ? JSON.stringify(response, null, 2) : formatSearchResponse(response),
  );
  return 0;
}

/** `ragline jobs [id] [--failed]` */
export async function runJobs(
  id: string | undefined,
  options: JobsOptions,
  io: CliIO,
): Promise<number> {
  const client = clientFor(options);
  if (id !== undefined) {
    const job = await client.getJob(id);
    writeLine(io.stdout, options.json ? JSON.stringify(job, null, 2) : formatJob(job));
    return 0;
  }
  if (!options.failed) throw new CliError('give a job id, or --failed to list failed jobs');
  const { jobs } = await client.listJobs({ state: 'failed', queue: options.queue });
  if (options.json) writeLine(io.stdout, JSON.stringify(jobs, null, 2));
  else if (jobs.length === 0) writeLine(io.stdout, 'no failed jobs');
  else {
    writeLine(io.stdout, `${jobs.length} failed job${jobs.length === 1 ? '' : 's'}:`);
    for (const job of jobs) writeLine(io.stdout, formatJob(job));
  }
  return 0;
}
