import type { ActionRecord, PerformanceReport } from '../../src/client';
import type { EnsureVerdict } from './artillery';
import type { CpuUsage } from './process-cpu';
import type { RedisUsage } from './redis-usage';
import type { Machine } from './run-context';
import type { Phase } from './scenario-script';

/** The `aggregate` of an artillery JSON report (the parts read here). */
export interface ArtilleryAggregate {
  counters: Record<string, number>;
  rates?: Record<string, number>;
  summaries: Record<string, Partial<Record<'min' | 'max' | 'p50' | 'p95' | 'p99', number>>>;
}

export interface EndpointFigures {
  name: string;
  /** Requests answered (any status); requests that failed without an answer are in errors. */
  requests: number;
  /** Answers by HTTP status. */
  codes: Record<string, number>;
  /** Client-side time to first byte, ms. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** The service's own total (Server-Timing), ms, when it sends one. */
  serverP50?: number;
  serverP95?: number;
}

export interface CacheFigures {
  l1: number;
  l2: number;
  miss: number;
  /** (l1 + l2) / answered searches. */
  hitRate: number;
}

export interface LoadFigures {
  offeredRate: number;
  seconds: number;
  /** Virtual users started (one request each, two at most for mixed flows). */
  arrivals: number;
  requests: number;
  responses: number;
  /** Answers per second over the scheduled duration. */
  achievedRate: number;
  endpoints: EndpointFigures[];
  /** Failures by code: HTTP_<status> for 4xx/5xx answers, else the network error's code. */
  errors: Record<string, number>;
  failedRate: number;
  /** Arrivals dropped by artillery (maxVusers). */
  skipped: number;
  /** Search answers by cache tier, counted from Server-Timing. */
  cache?: CacheFigures;
}

const ENDPOINT = 'plugins.metrics-by-endpoint.';
const ms = (n: number | undefined) => Math.round((n ?? 0) * 10) / 10;
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : 0);

/** The figures of one artillery run, from its report's aggregate. */
export function loadFigures(
  aggregate: ArtilleryAggregate,
  offered: { meanRate: number; seconds: number },
): LoadFigures {
  const c = aggregate.counters;
  const count = (name: string) => c[name] ?? 0;
  const names = Object.keys(aggregate.summaries)
    .filter((k) => k.startsWith(`${ENDPOINT}response_time.`))
    .map((k) => k.slice(`${ENDPOINT}response_time.`.length));
  const endpoints = names.sort().map((name): EndpointFigures => {
    const s = aggregate.summaries[`${ENDPOINT}response_time.${name}`];
    const server = aggregate.summaries[`${ENDPOINT}server-timing.${name}`];
    const codePrefix = `${ENDPOINT}${name}.codes.`;
    const codes = Object.fromEntries(
      Object.entries(c)
        .filter(([k]) => k.startsWith(codePrefix))
        .map(([k, v]) => [k.slice(codePrefix.length), v]),
    );
    const figures: EndpointFigures = {
      name,
      requests: Object.values(codes).reduce((a, b) => a + b, 0),
      codes,
      p50: ms(s.p50),
      p95: ms(s.p95),
      p99: ms(s.p99),
      max: ms(s.max),
    };
    if (server) Object.assign(figures, { serverP50: ms(server.p50), serverP95: ms(server.p95) });
    return figures;
  });
  const errors = Object.fromEntries(
    Object.entries(c)
      .filter(([k]) => k.startsWith('errors.'))
      .map(([k, v]) => [k.slice('errors.'.length), v]),
  );
  const answered = count('ragline.search.responses');
  const figures: LoadFigures = {
    offeredRate: offered.meanRate,
    seconds: offered.seconds,
    arrivals: count('vusers.created'),
    requests: count('http.requests'),
    responses: count('http.responses'),
    achievedRate: Math.round((count('http.responses') / offered.seconds) * 10) / 10,
    endpoints,
    errors,
    failedRate: ratio(count('vusers.failed'), count('vusers.created')),
    skipped: count('vusers.skipped'),
  };
  if (answered > 0) {
    figures.cache = {
      l1: count('ragline.search.l1'),
      l2: count('ragline.search.l2'),
      miss: count('ragline.search.miss'),
      hitRate: ratio(count('ragline.search.hit'), answered),
    };
  }
  return figures;
}

/** What the service itself said at the end of the run (/v1/health/performance). */
export interface ServerView {
  status: string;
  reasons: string[];
  /** The monitor's sliding window, not the whole run. */
  windowSeconds: number;
  searchLatency: { p50Ms: number; p95Ms: number; p99Ms: number };
  cacheHitRate: number;
  batching: PerformanceReport['batching'];
  /** Optimizer actions taken during the run, oldest first. */
  actions: ActionRecord[];
}

export function serverView(report: PerformanceReport, since: Date): ServerView {
  return {
    status: report.status,
    reasons: report.reasons ?? [],
    windowSeconds: report.window.seconds,
    searchLatency: {
      p50Ms: report.latency.search.p50Ms,
      p95Ms: report.latency.search.p95Ms,
      p99Ms: report.latency.search.p99Ms,
    },
    cacheHitRate: report.cache.hitRate,
    batching: report.batching,
    actions: report.actions.filter((a) => new Date(a.at) >= since).reverse(),
  };
}

export interface RunSummary {
  scenario: string;
  startedAt: string;
  machine: Machine;
  corpus: { seeded: string; documents: number; chunks: number; seedSeconds: number };
  phases: Phase[];
  load: LoadFigures;
  /** The cache hit rate a perfect cache would reach on this mix (Zipf scenarios). */
  expectedHitRate?: number;
  checks: EnsureVerdict[];
  passed: boolean;
  server?: ServerView;
  cpu: { loadGenerator?: CpuUsage; service?: CpuUsage; model?: CpuUsage; redis?: RedisUsage };
  notes: string[];
}

/** A run passes when artillery exited 0 and every ensure check it printed is ok. */
export function passed(exitCode: number, checks: EnsureVerdict[]): boolean {
  return exitCode === 0 && checks.length > 0 && checks.every((c) => c.ok);
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;

/** Redis commands per answer, one decimal (undefined without answers). */
export function commandsPerAnswer(usage: RedisUsage, answers: number): number | undefined {
  return answers > 0 ? Math.round((usage.commands / answers) * 10) / 10 : undefined;
}

/** The model threads' share of the service's CPU over the same span, in percent. */
export function modelShareOfService(
  model: CpuUsage | undefined,
  service: CpuUsage | undefined,
): number | undefined {
  if (!model || !service || service.seconds <= 0) return undefined;
  return Math.min(100, Math.round((100 * model.seconds) / service.seconds));
}

function modelLine(model: CpuUsage | undefined, service: CpuUsage | undefined): string {
  if (!model) return 'not measured';
  const share = modelShareOfService(model, service);
  return (
    `${model.seconds} CPU s over ${model.wallSeconds} s (${model.percent}% of one core)` +
    (share === undefined ? '' : `, ${share}% of the service's CPU`)
  );
}

function redisLine(u: RedisUsage | undefined, responses: number): string {
  if (!u) return 'not measured';
  const perAnswer = commandsPerAnswer(u, responses);
  const each = perAnswer === undefined ? '' : ` (${perAnswer} an answer)`;
  return `${u.seconds} CPU s over ${u.wallSeconds} s (${u.percent}% of one core), ${u.commands} commands${each}`;
}

export function renderSummary(s: RunSummary): string {
  const lines = [
    `# ${s.scenario}: ${s.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Run ${s.startedAt} on ${s.machine.cores} cores (${s.machine.cpu}), ${s.machine.memoryGiB} GiB, Node ${s.machine.node}.`,
    `Seeded ${s.corpus.documents} documents of ${s.corpus.seeded} (${s.corpus.chunks} chunks) in ${s.corpus.seedSeconds} s.`,
    '',
    '## Load',
    '',
    `- phases: ${s.phases.map((p) => `${p.name ?? 'phase'} ${p.duration} s at ${p.arrivalRate}/s${p.rampTo !== undefined && p.rampTo !== p.arrivalRate ? ` -> ${p.rampTo}/s` : ''}`).join(', ')}`,
    `- offered ${s.load.offeredRate}/s, achieved ${s.load.achievedRate} answers/s (${s.load.responses} answers to ${s.load.requests} requests, ${s.load.arrivals} arrivals, ${s.load.skipped} skipped)`,
    `- failed: ${pct(s.load.failedRate)}${
      Object.keys(s.load.errors).length
        ? ` (${Object.entries(s.load.errors)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`
        : ''
    }`,
  ];
  if (s.load.cache) {
    const c = s.load.cache;
    lines.push(
      `- search cache: hit rate ${pct(c.hitRate)} (l1 ${c.l1}, l2 ${c.l2}, miss ${c.miss})` +
        (s.expectedHitRate !== undefined
          ? `; a cache that never forgets would reach ${pct(s.expectedHitRate)} on this mix`
          : ''),
    );
  }
  lines.push(
    '',
    '| endpoint | answers | p50 ms | p95 ms | p99 ms | max ms | server p50 / p95 ms | codes |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const e of s.load.endpoints) {
    const server = e.serverP50 !== undefined ? `${e.serverP50} / ${e.serverP95}` : '';
    const codes = Object.entries(e.codes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    lines.push(
      `| ${e.name} | ${e.requests} | ${e.p50} | ${e.p95} | ${e.p99} | ${e.max} | ${server} | ${codes} |`,
    );
  }
  lines.push('', '## Checks (artillery ensure)', '');
  if (s.checks.length === 0) lines.push('- no verdicts printed (see artillery.log)');
  for (const c of s.checks) lines.push(`- ${c.ok ? 'ok' : 'FAIL'}: \`${c.check}\``);
  const cpu = (u?: CpuUsage) =>
    u ? `${u.seconds} CPU s over ${u.wallSeconds} s (${u.percent}% of one core)` : 'not measured';
  lines.push(
    '',
    '## CPU',
    '',
    `- load generator (artillery, all threads, from the first phase until every virtual user finished): ${cpu(s.cpu.loadGenerator)}`,
    `- service (all threads), same span: ${cpu(s.cpu.service)}`,
    `  - of it the embedding model's own threads (its /metrics): ${modelLine(s.cpu.model, s.cpu.service)}`,
    `- Redis (its own INFO counters, every client of it), same span: ${redisLine(s.cpu.redis, s.load.responses)}`,
  );
  if (s.server) {
    const v = s.server;
    lines.push(
      '',
      `## The service's view (/v1/health/performance, last ${v.windowSeconds} s)`,
      '',
      `- status ${v.status}${v.reasons.length ? `: ${v.reasons.join('; ')}` : ''}`,
      `- search p50 / p95 / p99: ${v.searchLatency.p50Ms} / ${v.searchLatency.p95Ms} / ${v.searchLatency.p99Ms} ms; cache hit rate ${pct(v.cacheHitRate)}`,
      `- batching: ${
        Object.entries(v.batching)
          .map(([name, b]) => `${name} target ${b.target}, avg ${b.avgBatchSize}`)
          .join('; ') || 'none'
      }`,
      '',
      '### Optimizer actions during the run',
      '',
    );
    if (v.actions.length === 0) lines.push('- none');
    for (const a of v.actions) lines.push(`- ${a.at} ${a.rule}: ${a.change} (${a.reason})`);
  }
  if (s.notes.length) lines.push('', '## Notes', '', ...s.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
