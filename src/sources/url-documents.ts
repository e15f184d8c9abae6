import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../common/hashing';
import { stableStringify } from '../common/metadata';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AcceptedJob } from '../ingest/ingest-producer.service';
import { retriedJobOptions } from '../queues/job-options';
import { extractPage } from './extract/extract-page';
import { type Politeness, POLITENESS } from './fetch/host-politeness';
import { FetchRefused, SafeFetcher } from './fetch/safe-fetcher';
import { IngestHandoff } from './ingest-handoff';
import { SourceRepository } from './source-repository';
import type { UrlJobData, UrlJobResult } from '../queues/sources-jobs';
import { JobQueues } from '../queues/job-queues';

export const URL_JOB = 'fetch-url';

/**
 * Documents submitted with `url` (POST .../documents): each becomes a job on the sources queue
 * that fetches the page with the safe fetcher, extracts it like a source's pages, and ingests
 * it under the given id. A resubmission fetches conditionally (ETag / Last-Modified) and
 * ingests only when the extracted content changed.
 */
@Injectable()
export class UrlDocuments {
  constructor(
    private readonly queues: JobQueues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueue(
    collection: string,
    documents: Array<{ id: string; url: string; metadata?: Record<string, unknown> }>,
  ): Promise<AcceptedJob[]> {
    const jobs = documents.map((doc) => ({
      name: URL_JOB,
      data: { collection, documentId: doc.id, url: doc.url, metadata: doc.metadata ?? {} },
      opts: { ...retriedJobOptions(this.config.ingest), jobId: `url-${randomUUID()}` },
    }));
    await this.queues.sources.addBulk(jobs);
    return jobs.map((j) => ({ id: j.opts.jobId, documentId: j.data.documentId }));
  }
}

/** The worker side of `url` documents: fetch (conditionally), extract, ingest, wait. */
@Injectable()
export class UrlDocumentFetch {
  constructor(
    private readonly fetcher: SafeFetcher,
    @Inject(POLITENESS) private readonly politeness: Politeness,
    private readonly repo: SourceRepository,
    private readonly handoff: IngestHandoff,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: Job<UrlJobData>): Promise<UrlJobResult> {
    const { fetcher, politeness, repo, handoff } = this;
    const { collection, documentId, url, metadata } = job.data;
    const unchanged = (final: string, notModified: boolean): UrlJobResult => ({
      documentId,
      url: final,
      chunksAdded: 0,
      chunksUpdated: 0,
      chunksSkipped: 0,
      chunksDeleted: 0,
      timings: {},
      ...(notModified ? { notModified } : {}),
    });
    const stored = await repo.urlDocument(collection, documentId);
    const prev =
      stored?.url === url && (await handoff.isStored(collection, documentId)) ? stored : null;
    let res;
    try {
      res = await politeness.run(new URL(url).host, () =>
        fetcher.fetch({ url, etag: prev?.etag, lastModified: prev?.lastModified }),
      );
    } catch (err) {
      if (err instanceof FetchRefused) throw new UnrecoverableError(err.message);
      throw err;
    }
    if (res.status === 304 && prev) return unchanged(res.url, true);
    if (res.status === 429 || res.status >= 500) throw new Error(`${url}: HTTP ${res.status}`);
    if (res.status !== 200) throw new UnrecoverableError(`${url}: HTTP ${res.status}`);
    const page = await extractPage(res.url, res.headers, res.body, {
      userAgent: fetcher.userAgent,
      pdfTimeoutMs: this.config.fetch.timeoutMs,
    });
    if (page.kind === 'skipped') throw new UnrecoverableError(`${url}: ${page.reason}`);
    const contentHash = sha256Hex(page.format, page.content, page.title, stableStringify(metadata));
    const validators = {
      ...(res.headers.etag ? { etag: res.headers.etag } : {}),
      ...(res.headers['last-modified'] ? { lastModified: res.headers['last-modified'] } : {}),
    };
    if (prev?.contentHash === contentHash) {
      await repo.saveUrlDocument(collection, documentId, { url, contentHash, ...validators });
      return unchanged(res.url, false);
    }
    const ingestJob = await handoff.submit(collection, {
      id: documentId,
      format: page.format,
      content: page.content,
      metadata: {
        ...metadata,
        url: res.url,
        title: page.title,
        fetchedAt: new Date().toISOString(),
        ...(validators.lastModified ? { lastModified: validators.lastModified } : {}),
      },
    });
    const totals = await handoff.wait([ingestJob]);
    if (totals.failed.length) throw new Error(totals.failed[0].reason);
    await repo.saveUrlDocument(collection, documentId, { url, contentHash, ...validators });
    return {
      ...unchanged(res.url, false),
      chunksAdded: totals.added,
      chunksUpdated: totals.updated,
      chunksSkipped: totals.skipped,
      chunksDeleted: totals.deleted,
    };
  }
}
