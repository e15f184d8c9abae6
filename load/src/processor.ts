/**
 * The artillery processor of the load scenarios. Artillery's worker threads load it from
 * dist/load/src/processor.js; it runs on the load generator's hot path, so every hook does a
 * little arithmetic and nothing else (the query pool is read once per thread).
 *
 * Scenario knobs come from the script's `config.variables`; what belongs to one run (the
 * material file, a query tag, the unique-query stream) from the environment (PROCESSOR_ENV).
 */
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { LoadDocument } from './corpus';
import type { LoadMaterial } from './material';
import { UniqueQueries } from './unique-queries';
import { ZipfSampler } from './zipf';

export const PROCESSOR_ENV = {
  /** Path of the run's material JSON (LoadMaterial). */
  material: 'RAGLINE_LOAD_MATERIAL',
  /** A word appended to every query, so two phases of one run ask different texts. */
  queryTag: 'RAGLINE_LOAD_QUERY_TAG',
  /** Which unique-query stream this artillery run uses (distinct per step of a run). */
  stream: 'RAGLINE_LOAD_STREAM',
} as const;

type Vars = Record<string, unknown>;
interface Context {
  vars: Vars;
}
interface Events {
  emit(kind: 'counter', name: string, value: number): void;
}
interface RequestParams {
  json?: unknown;
}
interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}
type Done = (error?: Error) => void;

/** Threads of one artillery run share a stream number; they differ in the low bits. */
const THREADS_PER_STREAM = 16;

class ProcessorState {
  readonly material: LoadMaterial;
  private readonly tag: string;
  private readonly samplers = new Map<number, ZipfSampler>();
  private readonly unique: UniqueQueries;
  private startedAt = 0;
  private burstNext = 0;
  private mixedNext = 0;

  constructor(env: NodeJS.ProcessEnv) {
    const path = env[PROCESSOR_ENV.material];
    if (!path) throw new Error(`${PROCESSOR_ENV.material} is not set: run through npm run load`);
    this.material = JSON.parse(readFileSync(path, 'utf8')) as LoadMaterial;
    this.tag = env[PROCESSOR_ENV.queryTag] ? ` ${env[PROCESSOR_ENV.queryTag]}` : '';
    const stream = Number(env[PROCESSOR_ENV.stream] ?? 0) * THREADS_PER_STREAM;
    const { queries, vocabulary } = this.material;
    this.unique = new UniqueQueries(queries, vocabulary, stream + (threadId % THREADS_PER_STREAM));
  }

  zipfQuery(exponent: number): string {
    let sampler = this.samplers.get(exponent);
    if (!sampler) {
      sampler = new ZipfSampler(this.material.queries.length, exponent);
      this.samplers.set(exponent, sampler);
    }
    return this.material.queries[sampler.sample()] + this.tag;
  }

  uniqueQuery(): string {
    return this.unique.next() + this.tag;
  }

  /** Seconds since this thread's first burst decision (its first arrival). */
  elapsedSeconds(): number {
    const now = performance.now();
    if (this.startedAt === 0) this.startedAt = now;
    return (now - this.startedAt) / 1000;
  }

  /** The next batch of the burst, or undefined once every document has been sent. */
  nextBurstBatch(size: number): LoadDocument[] | undefined {
    const docs = this.material.ingestDocuments;
    if (this.burstNext >= docs.length) return undefined;
    const batch = docs.slice(this.burstNext, this.burstNext + size);
    this.burstNext += batch.length;
    return batch;
  }

  /** The next few documents, round and round the ingest set (repeats are deduplicated jobs). */
  nextTrickleBatch(size: number): LoadDocument[] {
    const docs = this.material.ingestDocuments;
    const batch: LoadDocument[] = [];
    for (let i = 0; i < size && docs.length > 0; i++) {
      batch.push(docs[this.mixedNext++ % docs.length]);
    }
    return batch;
  }
}

let state: ProcessorState | undefined;
function current(): ProcessorState {
  state ??= new ProcessorState(process.env);
  return state;
}

function num(value: unknown, fallback: number): number {
  const n = Number(value);
  return value === undefined || value === '' || Number.isNaN(n) ? fallback : n;
}

/** search-steady, search-spike: a query drawn from the pool by Zipf rank. */
export function pickZipfQuery(context: Context, _events: Events, done: Done): void {
  context.vars.kind = 'search';
  context.vars.query = current().zipfQuery(num(context.vars.zipfExponent, 1));
  done();
}

/** search-unique: a query no one asked before in this run. */
export function pickUniqueQuery(context: Context, _events: Events, done: Done): void {
  context.vars.kind = 'unique';
  context.vars.query = current().uniqueQuery();
  done();
}

/** mixed: per arrival an ingest of a few documents, a unique search, or a Zipf search. */
export function pickMixed(context: Context, events: Events, done: Done): void {
  const u = Math.random();
  const ingestShare = num(context.vars.ingestShare, 0);
  const uniqueShare = num(context.vars.uniqueShare, 0);
  if (u < ingestShare) {
    context.vars.kind = 'ingest';
    context.vars.documents = current().nextTrickleBatch(num(context.vars.ingestBatchDocs, 1));
    return done();
  }
  if (u < ingestShare + uniqueShare) return pickUniqueQuery(context, events, done);
  return pickZipfQuery(context, events, done);
}

/**
 * ingest-burst: Zipf searches, except that from `burstAtSeconds` on, arrivals post the ingest
 * documents in batches of `burstBatchDocs` until every one has been sent.
 */
export function pickBurst(context: Context, events: Events, done: Done): void {
  const s = current();
  if (s.elapsedSeconds() >= num(context.vars.burstAtSeconds, 0)) {
    const batch = s.nextBurstBatch(num(context.vars.burstBatchDocs, 100));
    if (batch) {
      context.vars.kind = 'ingest';
      context.vars.documents = batch;
      return done();
    }
  }
  return pickZipfQuery(context, events, done);
}

/** `ifTrue` guards of the flows that mix request kinds. */
export const isSearch = (vars: Vars): boolean => vars.kind === 'search';
export const isUniqueSearch = (vars: Vars): boolean => vars.kind === 'unique';
export const isIngest = (vars: Vars): boolean => vars.kind === 'ingest';

/** beforeRequest of ingest requests: the body is built here, not templated from YAML. */
export function setIngestBody(
  params: RequestParams,
  context: Context,
  _events: Events,
  done: Done,
): void {
  params.json = { documents: context.vars.documents };
  done();
}

/** Which cache tier answered, from the Server-Timing header (`cache;desc="l1"`). */
export function cacheTier(header: string | string[] | undefined): 'l1' | 'l2' | 'miss' | null {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const match = /cache;desc="?(l1|l2|miss)/.exec(value);
  return match ? (match[1] as 'l1' | 'l2' | 'miss') : null;
}

/** afterResponse of searches: counts answers by cache tier (ragline.search.*). */
export function countCacheTier(
  _params: RequestParams,
  response: Response,
  _context: Context,
  events: Events,
  done: Done,
): void {
  if (response.statusCode === 200) {
    const tier = cacheTier(response.headers['server-timing']);
    events.emit('counter', 'ragline.search.responses', 1);
    if (tier) events.emit('counter', `ragline.search.${tier}`, 1);
    if (tier === 'l1' || tier === 'l2') events.emit('counter', 'ragline.search.hit', 1);
  }
  done();
}

/** afterResponse of every request: a 4xx/5xx answer fails the virtual user (errors.HTTP_<code>). */
export function checkStatus(
  _params: RequestParams,
  response: Response,
  _context: Context,
  _events: Events,
  done: Done,
): void {
  if (response.statusCode < 400) return done();
  const error = new Error(`HTTP ${response.statusCode}`) as Error & { code: string };
  error.code = `HTTP_${response.statusCode}`;
  done(error);
}
