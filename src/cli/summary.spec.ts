import type { JobView } from '../client/types';
import {
  aggregateProgress,
  exitCodeOf,
  formatDuration,
  formatSummary,
  IngestSummary,
  tallyJobs,
} from './summary';

const result = (added: number, updated: number, skipped: number, deleted: number) => ({
  chunksAdded: added,
  chunksUpdated: updated,
  chunksSkipped: skipped,
  chunksDeleted: deleted,
  timings: {},
});

const views: JobView[] = [
  {
    id: 'j1',
    queue: 'ingest',
    state: 'completed',
    progress: 100,
    attempts: 1,
    result: result(5, 1, 2, 0),
  },
  {
    id: 'j2',
    queue: 'ingest',
    state: 'completed',
    progress: 100,
    attempts: 2,
    result: result(3, 0, 0, 4),
  },
  {
    id: 'j3',
    queue: 'ingest',
    state: 'failed',
    progress: 30,
    attempts: 5,
    failedReason: 'embedder timed out',
  },
  { id: 'j4', queue: 'ingest', state: 'unknown', progress: 0, attempts: 0 },
];
const refs = [
  { id: 'j1', documentId: 'a.md' },
  { id: 'j2', documentId: 'b.md' },
  { id: 'j3', documentId: 'guide/c.md' },
  { id: 'j4', documentId: 'd.md' },
];

describe('tallyJobs', () => {
  it('counts states, sums chunk figures and names the document of each failure', () => {
    const tally = tallyJobs(refs, views);

    expect(tally).toMatchObject({ total: 4, completed: 2, failed: 1, unknown: 1, unfinished: 0 });
    expect(tally.chunks).toEqual({ added: 8, updated: 1, skipped: 2, deleted: 4 });
    expect(tally.failures).toEqual([
      { jobId: 'j3', documentId: 'guide/c.md', reason: 'embedder timed out' },
    ]);
  });
});

describe('aggregateProgress', () => {
  it('averages job progress, counting finished jobs (failed too) as done', () => {
    const running: JobView[] = [
      { id: 'a', queue: 'ingest', state: 'active', progress: 50, attempts: 1 },
      { id: 'b', queue: 'ingest', state: 'waiting', progress: 0, attempts: 0 },
      { id: 'c', queue: 'ingest', state: 'failed', progress: 20, attempts: 5 },
      { id: 'd', queue: 'ingest', state: 'completed', progress: 100, attempts: 1 },
    ];
    expect(aggregateProgress(running)).toBe(62.5);
    expect(aggregateProgress([])).toBe(100);
  });
});

describe('formatSummary and exitCodeOf', () => {
  const base: IngestSummary = {
    documentsFound: 5,
    documentsSent: 4,
    bytesSent: 2048,
    rejected: [{ documentId: 'huge.md', reason: '413 payload_too_large: too big' }],
    jobsQueued: 4,
    elapsedMs: 83_400,
  };

  it('reports documents, jobs, chunks, failures with reasons and elapsed time', () => {
    const text = formatSummary({ ...base, jobs: tallyJobs(refs, views) });

    expect(text.split('\n')).toEqual([
      '4 of 5 documents sent (2.0 KiB), 1 rejected',
      'jobs: 2 completed, 1 failed, 1 finished but no longer on the server (of 4)',
      'chunks: 8 added, 1 updated, 2 skipped, 4 deleted',
      'rejected documents:',
      '  - huge.md: 413 payload_too_large: too big',
      'failed jobs:',
      '  - guide/c.md (job j3): embedder timed out',
      'elapsed: 1 min 23 s',
    ]);
  });

  it('says the jobs were only queued when not waited for', () => {
    const text = formatSummary({ ...base, rejected: [] });
    expect(text).toContain('4 jobs queued (not waited for');
    expect(exitCodeOf({ ...base, rejected: [] })).toBe(0);
  });

  it('fails the run on a rejected document, a failed or an unfinished job, not on unknown ones', () => {
    const clean = { ...base, rejected: [] };
    const tally = tallyJobs(refs, views);
    expect(exitCodeOf(base)).toBe(1);
    expect(exitCodeOf({ ...clean, jobs: tally })).toBe(1);
    expect(exitCodeOf({ ...clean, jobs: { ...tally, failed: 0, failures: [] } })).toBe(0);
    expect(exitCodeOf({ ...clean, jobs: { ...tally, failed: 0, unfinished: 2 } })).toBe(1);
  });

  it('formats durations for people', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(3 * 3600_000 + 5 * 60_000)).toBe('3 h 5 min');
  });
});
