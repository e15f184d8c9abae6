import { sha256Hex } from '../common/hashing';
import type { DocumentFormat } from '../catalog/catalog.types';
import { folderOf, normaliseUrl, UrlRules } from './discover/url-rules';
import { parseSitemap, type SitemapEntry } from './discover/sitemap';
import { extractPage } from './extract/extract-page';
import { type Politeness, retryAfterMs } from './fetch/host-politeness';
import { RobotsRules } from './fetch/robots';
import { FetchRefused, type FetchResponse, SafeFetcher } from './fetch/safe-fetcher';
import type { SourceRepository } from './source-repository';
import type {
  PageOutcome,
  PageProblem,
  PageState,
  SourceRecord,
  SyncCounts,
  SyncSummary,
} from './sources.types';

/** The ingest pipeline as a sync sees it: submit, delete, and wait for what was submitted. */
export interface SyncPipeline {
  submit(
    collection: string,
    doc: { id: string; format: DocumentFormat; content: string; metadata: Record<string, unknown> },
  ): Promise<string>;
  remove(collection: string, documentId: string): Promise<string>;
  /** Whether the document is in the collection (it may have been deleted by hand). */
  isStored(collection: string, documentId: string): Promise<boolean>;
  /** Waits for the jobs; totals their chunk counts, and names the ones that failed. */
  wait(jobIds: string[]): Promise<{
    added: number;
    updated: number;
    skipped: number;
    deleted: number;
    failed: PageProblem[];
  }>;
}

export interface SyncOptions {
  /** The most pages one sync takes (a source's own maxPages may only lower it). */
  maxPages: number;
  /** Pages fetched at once across hosts (politeness limits each host further). */
  concurrency: number;
  pdfTimeoutMs: number;
}

/** Called at most every `PROGRESS_EVERY_MS`, and once at the end of discovery and fetching. */
export type SyncProgress = (summary: SyncSummary, percent: number) => Promise<void> | void;

const PROGRESS_EVERY_MS = 500;
const MAX_PROBLEMS = 50;
const DEFAULT_CRAWL_DEPTH = 5;
const MAX_SITEMAP_DEPTH = 3;
const BUSY_RETRIES = 3;

interface Frontier {
  url: string;
  depth: number;
  lastmod?: string;
}

/** Thrown when a source cannot be discovered at all (its sitemap or start page). */
export class DiscoveryFailed extends Error {
  constructor(
    message: string,
    /** False when retrying cannot help (the fetch was refused by policy). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DiscoveryFailed';
  }
}

/**
 * One sync of one source: discover its pages (sitemaps, or breadth-first links), fetch each
 * (conditionally, politely, safely), extract it, and hand what changed to the ingest pipeline
 * with the canonical URL as the document id; delete what is gone. Each page's outcome is
 * recorded as it happens, so a retried sync skips the pages already done.
 */
export class SourceSync {
  private readonly counts: SyncCounts = {
    discovered: 0,
    fetched: 0,
    unchanged: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    skipped: 0,
    failed: 0,
  };
  private readonly failures: PageProblem[] = [];
  private readonly skips: PageProblem[] = [];
  private readonly seen = new Set<string>();
  private readonly frontier: Frontier[] = [];
  private readonly robots = new Map<string, Promise<RobotsRules>>();
  private readonly jobIds: string[] = [];
  private readonly rules: UrlRules;
  private readonly limit: number;
  private complete = true;
  private processed = 0;
  private lastProgress = 0;
  private readonly startedAt = new Date();
  private done = new Map<string, PageOutcome>();
  private stored = new Map<string, PageState>();

  constructor(
    private readonly source: SourceRecord,
    private readonly jobId: string,
    private readonly fetcher: SafeFetcher,
    private readonly politeness: Politeness,
    private readonly repo: SourceRepository,
    private readonly pipeline: SyncPipeline,
    private readonly options: SyncOptions,
    private readonly progress: SyncProgress,
  ) {
    const scope = source.type === 'crawl' && source.url ? folderOf(source.url) : undefined;
    this.rules = new UrlRules(source.include, source.exclude, scope);
    this.limit = Math.min(source.maxPages ?? options.maxPages, options.maxPages);
  }

  summary(state: SyncSummary['state']): SyncSummary {
    return {
      state,
      jobId: this.jobId,
      startedAt: this.startedAt.toISOString(),
      ...this.counts,
      failures: this.failures,
      skips: this.skips,
    };
  }

  async run(): Promise<SyncSummary> {
    const started = Date.now();
    this.done = await this.repo.beginRun(this.source.id, this.jobId);
    this.stored = await this.repo.pages(this.source.id);
    await this.discover();
    await this.drain();
    if (this.complete) await this.deleteMissing();
    const fetchMs = Date.now() - started;
    await this.report(true);
    const waited = Date.now();
    const chunks = await this.pipeline.wait(this.jobIds);
    for (const problem of chunks.failed) this.problem(this.failures, problem.url, problem.reason);
    await this.repo.endRun(this.source.id);
    const { failed, ...chunkCounts } = chunks;
    return {
      ...this.summary('completed'),
      failed: this.counts.failed + failed.length,
      finishedAt: new Date().toISOString(),
      complete: this.complete,
      chunks: chunkCounts,
      timings: { fetchMs, ingestWaitMs: Date.now() - waited, totalMs: Date.now() - started },
    };
  }

  private async discover(): Promise<void> {
    const { source } = this;
    if (source.type === 'urls') {
      for (const url of source.urls ?? []) this.enqueue(url, 0);
    } else if (source.type === 'crawl') {
      this.enqueue(source.url as string, 0);
    } else {
      await this.readSitemap(source.url as string, 0);
    }
  }

  private async readSitemap(url: string, depth: number): Promise<void> {
    let res: FetchResponse;
    try {
      res = await this.fetchPolitely(url, {});
    } catch (err) {
      if (depth === 0)
        throw new DiscoveryFailed(
          `sitemap ${url}: ${(err as Error).message}`,
          !(err instanceof FetchRefused),
        );
      this.complete = false;
      this.problem(this.failures, url, `sitemap: ${(err as Error).message}`);
      return;
    }
    if (res.status !== 200) {
      if (depth === 0)
        throw new DiscoveryFailed(
          `sitemap ${url}: HTTP ${res.status}`,
          res.status >= 500 || res.status === 429,
        );
      this.complete = false;
      this.problem(this.failures, url, `sitemap: HTTP ${res.status}`);
      return;
    }
    let parsed;
    try {
      parsed = parseSitemap(res.body, 64 * 1024 * 1024);
    } catch (err) {
      if (depth === 0)
        throw new DiscoveryFailed(`sitemap ${url}: ${(err as Error).message}`, false);
      this.complete = false;
      this.problem(this.failures, url, `sitemap: ${(err as Error).message}`);
      return;
    }
    for (const page of parsed.pages) this.enqueue(page.url, 0, page.lastmod);
    for (const nested of parsed.sitemaps) {
      if (depth + 1 > MAX_SITEMAP_DEPTH) {
        this.complete = false;
        this.problem(this.failures, nested.url, 'sitemap nested too deep');
        continue;
      }
      const target = normaliseUrl(nested.url, res.url);
      if (target) await this.readSitemap(target, depth + 1);
    }
  }

  private enqueue(
    raw: string,
    depth: number,
    lastmod?: SitemapEntry['lastmod'],
    base?: string,
  ): void {
    const url = normaliseUrl(raw, base);
    if (!url || this.seen.has(url)) return;
    if (this.rules.excludedBecause(url)) return;
    if (this.seen.size >= this.limit) {
      // Pages left out: the site was not seen whole, so nothing may be deleted as missing.
      this.complete = false;
      return;
    }
    this.seen.add(url);
    this.counts.discovered = this.seen.size;
    this.frontier.push({ url, depth, ...(lastmod ? { lastmod } : {}) });
  }

  /** Fetches the frontier with `concurrency` pages in flight; crawls add to it as they go. */
  private async drain(): Promise<void> {
    let active = 0;
    await new Promise<void>((resolve, reject) => {
      const next = () => {
        if (!this.frontier.length && active === 0) return resolve();
        while (this.frontier.length && active < this.options.concurrency) {
          const item = this.frontier.shift() as Frontier;
          active++;
          this.page(item).then(
            () => {
              active--;
              this.processed++;
              void this.report(false);
              next();
            },
            (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
          );
        }
      };
      next();
    });
  }

  private follow(item: Frontier, links: string[] | undefined, base: string): void {
    if (this.source.type !== 'crawl' || !links) return;
    if (item.depth + 1 > (this.source.maxDepth ?? DEFAULT_CRAWL_DEPTH)) return;
    for (const link of links) this.enqueue(link, item.depth + 1, undefined, base);
  }

  private async page(item: Frontier): Promise<void> {
    const resumed = this.done.get(item.url);
    if (resumed) {
      this.count(resumed, item.url);
      if (resumed.jobId) this.jobIds.push(resumed.jobId);
      this.follow(item, resumed.links, item.url);
      return;
    }
    const outcome = await this.fetchAndStore(item);
    this.count(outcome.outcome, item.url);
    if (outcome.outcome.jobId) this.jobIds.push(outcome.outcome.jobId);
    this.follow(item, outcome.outcome.links, outcome.base);
    await this.repo.recordPage(this.source.id, item.url, outcome.outcome, outcome.state);
  }

  private count(outcome: PageOutcome, url: string): void {
    this.counts[outcome.result]++;
    if (outcome.result === 'failed') this.problem(this.failures, url, outcome.reason ?? 'failed');
    if (outcome.result === 'skipped') this.problem(this.skips, url, outcome.reason ?? 'skipped');
  }

  private problem(list: PageProblem[], url: string, reason: string): void {
    if (list.length < MAX_PROBLEMS) list.push({ url, reason });
  }

  /** What became of one page, and the state to keep for it (null: forget it). */
  private async fetchAndStore(
    item: Frontier,
  ): Promise<{ outcome: PageOutcome; state?: PageState | null; base: string }> {
    let prev = this.stored.get(item.url);
    // Deleted by hand since: fetched in full and stored again.
    if (prev && !(await this.pipeline.isStored(this.source.collection, prev.documentId))) {
      prev = undefined;
    }
    const keepLinks = this.source.type === 'crawl';
    const rules = await this.robotsFor(item.url);
    const u = new URL(item.url);
    if (!rules.allows(u.pathname + u.search)) {
      return this.leftOut(item.url, prev, 'disallowed by robots.txt');
    }
    let res: FetchResponse;
    try {
      res = await this.fetchPolitely(item.url, {
        etag: prev?.etag,
        lastModified: prev?.lastModified,
      });
    } catch (err) {
      const reason = err instanceof FetchRefused ? err.reason : (err as Error).message;
      if (keepLinks) this.complete = false;
      return { outcome: { result: 'failed', reason, depth: item.depth }, base: item.url };
    }
    if (res.status === 304 && prev) {
      return {
        outcome: { result: 'unchanged', documentId: prev.documentId, links: prev.links },
        base: item.url,
      };
    }
    if (res.status === 404 || res.status === 410) {
      if (prev) return this.leftOut(item.url, prev, `gone (HTTP ${res.status})`);
      return {
        outcome: { result: 'failed', reason: `HTTP ${res.status}` },
        state: null,
        base: item.url,
      };
    }
    if (res.status !== 200) {
      if (keepLinks) this.complete = false;
      const busy = res.status === 429 || res.status === 503;
      const reason = busy
        ? `HTTP ${res.status} (still busy after ${BUSY_RETRIES} retries, honouring Retry-After)`
        : `HTTP ${res.status}`;
      return { outcome: { result: 'failed', reason }, base: item.url };
    }
    this.counts.fetched++;
    let page;
    try {
      page = await extractPage(res.url, res.headers, res.body, {
        userAgent: this.fetcher.userAgent,
        pdfTimeoutMs: this.options.pdfTimeoutMs,
      });
    } catch (err) {
      return { outcome: { result: 'failed', reason: (err as Error).message }, base: res.url };
    }
    const links = keepLinks ? page.links : undefined;
    if (page.kind === 'skipped') {
      const left = await this.leftOut(item.url, prev, page.reason);
      return { ...left, outcome: { ...left.outcome, links }, base: res.url };
    }
    const documentId = normaliseUrl(page.canonical ?? res.url) ?? item.url;
    const contentHash = sha256Hex(page.format, page.content, page.title, documentId);
    const validators = {
      ...(res.headers.etag ? { etag: res.headers.etag } : {}),
      ...(res.headers['last-modified'] ? { lastModified: res.headers['last-modified'] } : {}),
    };
    const state: PageState = {
      documentId,
      contentHash,
      ...validators,
      ...(links ? { links } : {}),
    };
    if (prev?.contentHash === contentHash && prev.documentId === documentId) {
      return { outcome: { result: 'unchanged', documentId, links }, state, base: res.url };
    }
    const lastModified = res.headers['last-modified'] ?? item.lastmod;
    let jobId: string;
    try {
      if (prev && prev.documentId !== documentId)
        await this.pipeline.remove(this.source.collection, prev.documentId);
      jobId = await this.pipeline.submit(this.source.collection, {
        id: documentId,
        format: page.format,
        content: page.content,
        metadata: {
          url: res.url,
          title: page.title,
          source: this.source.id,
          fetchedAt: new Date().toISOString(),
          ...(lastModified ? { lastModified } : {}),
        },
      });
    } catch (err) {
      return {
        outcome: { result: 'failed', reason: `ingest: ${(err as Error).message}` },
        base: res.url,
      };
    }
    return {
      outcome: { result: prev ? 'updated' : 'added', documentId, jobId, links },
      state,
      base: res.url,
    };
  }

  /** A page that is not (or no longer) to be stored: its document goes if it was stored. */
  private async leftOut(
    url: string,
    prev: PageState | undefined,
    reason: string,
  ): Promise<{ outcome: PageOutcome; state?: PageState | null; base: string }> {
    if (!prev) return { outcome: { result: 'skipped', reason }, state: null, base: url };
    const jobId = await this.pipeline.remove(this.source.collection, prev.documentId);
    return {
      outcome: { result: 'deleted', documentId: prev.documentId, jobId, reason },
      state: null,
      base: url,
    };
  }

  /** Deletes the documents of stored pages that discovery no longer found. */
  private async deleteMissing(): Promise<void> {
    const kept = new Set<string>();
    for (const url of this.seen) {
      const id = this.stored.get(url)?.documentId;
      if (id) kept.add(id);
    }
    // Deleted before a crash: already recorded, counted again for this sync's summary.
    for (const [url, resumed] of this.done) {
      if (this.seen.has(url)) continue;
      this.count(resumed, url);
      if (resumed.jobId) this.jobIds.push(resumed.jobId);
    }
    for (const [url, state] of this.stored) {
      if (this.seen.has(url) || this.done.has(url)) continue;
      const outcome: PageOutcome = {
        result: 'deleted',
        documentId: state.documentId,
        reason: 'no longer listed',
      };
      if (!kept.has(state.documentId)) {
        outcome.jobId = await this.pipeline.remove(this.source.collection, state.documentId);
        this.jobIds.push(outcome.jobId);
      }
      this.count(outcome, url);
      await this.repo.recordPage(this.source.id, url, outcome, null);
    }
  }

  private robotsFor(url: string): Promise<RobotsRules> {
    const origin = new URL(url).origin;
    let rules = this.robots.get(origin);
    if (!rules) {
      rules = this.fetchPolitely(`${origin}/robots.txt`, {}).then(
        (res) => {
          if (res.status === 200)
            return RobotsRules.parse(res.body.toString('utf8'), this.fetcher.userAgent);
          if (res.status >= 400 && res.status < 500) return RobotsRules.allowAll();
          return RobotsRules.disallowAll();
        },
        () => RobotsRules.disallowAll(),
      );
      this.robots.set(origin, rules);
    }
    return rules;
  }

  /** One fetch through the host's politeness slot; 429 and 503 back off and try again. */
  private async fetchPolitely(
    url: string,
    validators: { etag?: string; lastModified?: string },
  ): Promise<FetchResponse> {
    const host = new URL(url).host;
    for (let attempt = 0; ; attempt++) {
      const res = await this.politeness.run(host, () =>
        this.fetcher.fetch({ url, headers: this.source.headers, ...validators }),
      );
      if ((res.status !== 429 && res.status !== 503) || attempt >= BUSY_RETRIES) return res;
      await this.politeness.backOff(
        host,
        retryAfterMs(res.headers['retry-after'], 1000 * 2 ** attempt),
      );
    }
  }

  private async report(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    const percent = this.seen.size ? Math.floor((this.processed / this.seen.size) * 95) : 0;
    try {
      await this.progress(this.summary('running'), percent);
    } catch {
      // progress is best effort
    }
  }
}
