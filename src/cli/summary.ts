import type { JobRef, JobView } from '../client/types';
import type { RejectedDocument } from './sender';

export interface JobFailure {
  jobId: string;
  documentId?: string;
  reason: string;
}

export interface JobsTally {
  total: number;
  completed: number;
  failed: number;
  /** Finished and already removed by the server's retention before the CLI saw the result. */
  unknown: number;
  /** Not finished (only when the CLI stopped waiting). */
  unfinished: number;
  chunks: { added: number; updated: number; skipped: number; deleted: number };
  failures: JobFailure[];
}

export interface IngestSummary {
  documentsFound: number;
  documentsSent: number;
  bytesSent: number;
  rejected: RejectedDocument[];
  /** Undefined when the CLI did not wait for the jobs. */
  jobs?: JobsTally;
  jobsQueued: number;
  elapsedMs: number;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Counts states and sums the chunk figures of job results; failures carry their document id. */
export function tallyJobs(refs: readonly JobRef[], views: readonly JobView[]): JobsTally {
  const documentOf = new Map(refs.map((r) => [r.id, r.documentId]));
  const tally: JobsTally = {
    total: views.length,
    completed: 0,
    failed: 0,
    unknown: 0,
    unfinished: 0,
    chunks: { added: 0, updated: 0, skipped: 0, deleted: 0 },
    failures: [],
  };
  for (const view of views) {
    if (view.state === 'completed') tally.completed++;
    else if (view.state === 'failed') tally.failed++;
    else if (view.state === 'unknown') tally.unknown++;
    else tally.unfinished++;
    if (view.state === 'failed') {
      tally.failures.push({
        jobId: view.id,
        documentId: documentOf.get(view.id),
        reason: view.failedReason || 'no reason given',
      });
    }
    const result = view.result;
    if (result) {
      tally.chunks.added += count(result.chunksAdded);
      tally.chunks.updated += count(result.chunksUpdated);
      tally.chunks.skipped += count(result.chunksSkipped);
      tally.chunks.deleted += count(result.chunksDeleted);
    }
  }
  return tally;
}

/** Overall progress 0..100: finished jobs count as 100, others by their reported progress. */
export function aggregateProgress(views: readonly JobView[]): number {
  if (views.length === 0) return 100;
  let sum = 0;
  for (const view of views) {
    const finished =
      view.state === 'completed' || view.state === 'failed' || view.state === 'unknown';
    sum += finished ? 100 : Math.min(100, Math.max(0, count(view.progress)));
  }
  return sum / views.length;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  if (minutes < 60) return `${minutes} min ${rest} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const MAX_LISTED_FAILURES = 20;

function listFailures(title: string, lines: string[]): string[] {
  if (lines.length === 0) return [];
  const shown = lines.slice(0, MAX_LISTED_FAILURES).map((l) => `  - ${l}`);
  if (lines.length > MAX_LISTED_FAILURES)
    shown.push(`  ... and ${lines.length - MAX_LISTED_FAILURES} more`);
  return [title, ...shown];
}

/** The report printed at the end of `ragline ingest`. */
export function formatSummary(summary: IngestSummary): string {
  const lines: string[] = [];
  const sent = `${summary.documentsSent} of ${summary.documentsFound} documents sent (${formatBytes(summary.bytesSent)})`;
  lines.push(summary.rejected.length > 0 ? `${sent}, ${summary.rejected.length} rejected` : sent);
  const jobs = summary.jobs;
  if (!jobs) {
    lines.push(
      `${summary.jobsQueued} jobs queued (not waited for: follow them with ragline jobs <id>)`,
    );
  } else {
    const parts = [`${jobs.completed} completed`, `${jobs.failed} failed`];
    if (jobs.unknown > 0) parts.push(`${jobs.unknown} finished but no longer on the server`);
    if (jobs.unfinished > 0) parts.push(`${jobs.unfinished} unfinished`);
    lines.push(`jobs: ${parts.join(', ')} (of ${jobs.total})`);
    const c = jobs.chunks;
    lines.push(
      `chunks: ${c.added} added, ${c.updated} updated, ${c.skipped} skipped, ${c.deleted} deleted`,
    );
  }
  lines.push(
    ...listFailures(
      'rejected documents:',
      summary.rejected.map((r) => `${r.documentId}: ${r.reason}`),
    ),
  );
  lines.push(
    ...listFailures(
      'failed jobs:',
      (jobs?.failures ?? []).map((f) => `${f.documentId ?? '?'} (job ${f.jobId}): ${f.reason}`),
    ),
  );
  lines.push(`elapsed: ${formatDuration(summary.elapsedMs)}`);
  return lines.join('\n');
}

/** 1 when anything was rejected, failed or left unfinished; 0 otherwise. */
export function exitCodeOf(summary: IngestSummary): number {
  if (summary.rejected.length > 0) return 1;
  if (summary.jobs && (summary.jobs.failed > 0 || summary.jobs.unfinished > 0)) return 1;
  return 0;
}
