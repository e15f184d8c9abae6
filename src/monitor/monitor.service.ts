import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { within } from '../common/within';
import { MetricsService } from '../metrics/metrics.service';
import { JobQueues } from '../queues/job-queues';
import { REDIS } from '../redis/redis.module';
import { ActionBus, type FleetAction } from './action-bus';
import type {
  BatcherSample,
  CacheSample,
  CountableQueue,
  JobTimesSample,
  MonitoredBatcher,
  MonitorSample,
  QueueCounts,
  SearchTier,
} from './monitor.types';
import { type ActionOutcome, OptimizerRunner, type Task } from './optimizer-runner';
import {
  type ActionRecord,
  buildPerformanceReport,
  type HealthThresholds,
  type PerformanceReport,
} from './performance-report';
import { ProcessSampler } from './process-sampler';
import { DEFAULT_RULES } from './rules';
import {
  type OptimizerConfig,
  type OptimizerConfigInput,
  resolveOptimizerConfig,
} from './rules/optimizer-config';
import type { RuleAction, RuleDefinition } from './rules/rule.types';
import { SlidingCounter } from './sliding-counter';
import { SlidingHistogram } from './sliding-histogram';
import { type Tunable, TunableRegistry, type TunableView } from './tunables';

export const MONITOR_OPTIONS = Symbol('MONITOR_OPTIONS');

export interface MonitorOptions {
  /** Redis key prefix (config.prefix): channel `${prefix}:monitor:actions`. Required. */
  prefix: string;
  /** Time between samples. Default 5000 ms (RAGLINE_MONITOR_INTERVAL_MS). */
  intervalMs?: number;
  /** Sliding window of latency percentiles, rates and hit rates. Default 60 000 ms. */
  windowMs?: number;
  /** Sub-windows of that window (its granularity). Default 12. */
  windowSlots?: number;
  /** Samples kept for the live page (720 x 5 s = 1 h). */
  historySize?: number;
  /** Actions kept for the performance endpoint. Default 50. */
  recentActionsSize?: number;
  /** Event-loop delay p99 above this makes the status degraded. Default 200 ms. */
  eventLoopP99LimitMs?: number;
  /** A queue count or probe that takes longer is left out of the sample. Default 2000 ms. */
  readTimeoutMs?: number;
  /** Rule thresholds and bounds (see OptimizerConfig for each default). */
  optimizer?: OptimizerConfigInput;
  /** Rules to run (default DEFAULT_RULES). */
  rules?: readonly RuleDefinition[];
  /** This process in the fleet (default host-pid-random). */
  instanceId?: string;
  /** How long start() waits for the fleet channel subscription (Redis down: boot goes on). Default 3000 ms. */
  fleetConnectTimeoutMs?: number;
}

type Probe = () => Promise<number>;
type BatcherSource = () => Iterable<MonitoredBatcher>;

const QUEUE_COUNT_TYPES = [
  'waiting',
  'paused',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
];

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `embed:use-lite` -> `embed`. */
function kindOf(name: string): string {
  return name.split(':', 1)[0];
}

/**
 * Samples the process and the queues every few seconds, keeps a bounded history, and runs the
 * optimizer's rules on each sample. Actions are applied here, logged, counted, kept for
 * /v1/health/performance and published to the fleet, whose processes apply them to their own
 * tunables. Feed it with recordHttp / recordSearch / recordJob; tell it what to watch and turn
 * with registerQueue / registerBatcher(s) / registerProbe / registerTunable / registerTask.
 */
@Injectable()
export class MonitorService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly instanceId: string;
  readonly config: OptimizerConfig;
  private readonly logger = new Logger('Monitor');
  private readonly intervalMs: number;
  private readonly windowMs: number;
  private readonly windowSlots: number;
  private readonly historySize: number;
  private readonly recentActionsSize: number;
  private readonly readTimeoutMs: number;
  private readonly thresholds: HealthThresholds;

  private readonly queues = new Map<string, CountableQueue>();
  private readonly batchers = new Map<string, { kind: string; batcher: MonitoredBatcher }>();
  private readonly batcherSources: BatcherSource[] = [];
  private readonly probes = new Map<string, Probe>();
  private readonly tasks = new Map<string, Task>();
  private readonly tunables = new TunableRegistry();
  private readonly runner: OptimizerRunner;
  private readonly rules: readonly RuleDefinition[];
  private readonly bus?: ActionBus;
  private readonly processSampler = new ProcessSampler();

  private readonly http: SlidingHistogram;
  private readonly search: SlidingHistogram;
  private readonly tiers: SlidingCounter<SearchTier>;
  private readonly jobWait = new Map<string, SlidingHistogram>();
  private readonly jobRun = new Map<string, SlidingHistogram>();

  private readonly samples: MonitorSample[] = [];
  private readonly actions: ActionRecord[] = [];
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<MonitorSample>;

  constructor(
    @Inject(MONITOR_OPTIONS) options: MonitorOptions,
    @Optional() @Inject(REDIS) redis?: Redis | null,
    @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService | null,
    @Optional() @Inject(JobQueues) private readonly jobQueues?: JobQueues | null,
  ) {
    this.instanceId =
      options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.config = resolveOptimizerConfig(options.optimizer);
    this.intervalMs = options.intervalMs ?? 5000;
    this.windowMs = options.windowMs ?? 60_000;
    this.windowSlots = options.windowSlots ?? 12;
    this.historySize = options.historySize ?? 720;
    this.recentActionsSize = options.recentActionsSize ?? 50;
    this.readTimeoutMs = options.readTimeoutMs ?? 2000;
    this.thresholds = {
      searchP95TargetMs: this.config.searchLatency.p95TargetMs,
      minSamples: this.config.searchLatency.minSamples,
      eventLoopP99LimitMs: options.eventLoopP99LimitMs ?? 200,
      rssLimitBytes: this.config.memory.rssLimitBytes,
    };
    this.metrics?.setHealthLimits(this.thresholds.searchP95TargetMs, this.thresholds.rssLimitBytes);
    this.rules = options.rules ?? DEFAULT_RULES;
    this.runner = new OptimizerRunner(
      this.rules,
      this.config,
      this.tunables,
      this.tasks,
      (what, e) => this.logger.warn(`optimizer: ${what} failed: ${errorMessage(e)}`),
    );
    this.http = this.newHistogram();
    this.search = this.newHistogram();
    this.tiers = new SlidingCounter<SearchTier>({
      windowMs: this.windowMs,
      slots: this.windowSlots,
    });
    if (redis) {
      this.bus = new ActionBus(redis, {
        prefix: options.prefix,
        instanceId: this.instanceId,
        onRemote: (action) => this.applyFleetAction(action),
        onError: (what, e) => this.logger.debug(`fleet channel: ${what}: ${errorMessage(e)}`),
        startTimeoutMs: options.fleetConnectTimeoutMs,
      });
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async onApplicationBootstrap(): Promise<void> {
    // In the app, every queue (QueuesModule's); elsewhere, those registered by hand.
    for (const queue of this.jobQueues?.all() ?? []) this.registerQueue(queue.name, queue);
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Subscribes to the fleet channel and samples every intervalMs until stop(). */
  async start(): Promise<void> {
    this.processSampler.start();
    if (this.bus) {
      try {
        await this.bus.start();
      } catch (error) {
        this.logger.warn(
          `fleet channel unavailable, tuning this process only: ${errorMessage(error)}`,
        );
      }
    }
    if (!this.timer && this.intervalMs > 0) {
      this.timer = setInterval(() => {
        this.sampleNow().catch((e: unknown) =>
          this.logger.warn(`sampling failed: ${errorMessage(e)}`),
        );
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.processSampler.stop();
    await this.bus?.stop();
  }

  // ---- registration ----------------------------------------------------------------------

  /** A BullMQ Queue (any process can count any queue: the counts live in Redis). */
  registerQueue(name: string, queue: CountableQueue): void {
    this.queues.set(name, queue);
  }

  /** One batcher under a kind (`embed`, `upsert`, `search`); sampled by its name. */
  registerBatcher(kind: string, batcher: MonitoredBatcher): void {
    this.batchers.set(batcher.name, { kind, batcher });
  }

  /** Batchers created on demand (e.g. `() => batchersService.all()`); kind from the name prefix. */
  registerBatchers(source: () => Iterable<MonitoredBatcher>): void {
    this.batcherSources.push(source);
  }

  /** A number read at each sample, e.g. `unindexedRows` (the store-optimize rule reads it). */
  registerProbe(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  /** A knob the rules may turn (names in TUNABLE). Replaces one of the same name. */
  registerTunable(tunable: Tunable): void {
    this.tunables.register(tunable);
  }

  /** An async action rules may schedule (names in TASK, e.g. optimizeStore). */
  registerTask(name: string, task: Task): void {
    this.tasks.set(name, task);
  }

  // ---- measurements ----------------------------------------------------------------------

  /** An HTTP response (route pattern, duration, status); installHttpMetrics's onObserved can feed it. */
  recordHttp(_route: string, ms: number, _status: number): void {
    this.http.record(ms);
  }

  /** A search answered by this process, end to end, and the tier that served it. */
  recordSearch(ms: number, tier: SearchTier): void {
    this.search.record(ms);
    this.tiers.add(tier);
  }

  /** A finished job: time from added to started, and run time. Also observed in ragline_job_*. */
  recordJob(queue: string, waitMs: number, runMs: number): void {
    this.histogramFor(this.jobWait, queue).record(waitMs);
    this.histogramFor(this.jobRun, queue).record(runMs);
    this.metrics?.observeJob(queue, waitMs, runMs);
  }

  // ---- reading ---------------------------------------------------------------------------

  latest(): MonitorSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Oldest first. */
  history(): readonly MonitorSample[] {
    return this.samples;
  }

  /** Most recent first. */
  recentActions(): readonly ActionRecord[] {
    return this.actions;
  }

  tunableValues(): Record<string, number> {
    return this.tunables.values();
  }

  /** Each registered tunable's value, bounds and baseline. */
  tunableViews(): Record<string, TunableView> {
    return this.tunables.views();
  }

  /** The performance report from the latest sample (taking one if there is none yet). */
  async report(historySamples = 0): Promise<PerformanceReport> {
    const latest = this.latest() ?? (await this.sampleNow());
    return buildPerformanceReport({
      latest,
      history: this.samples,
      actions: this.actions,
      thresholds: this.thresholds,
      ingestQueue: this.config.queues.ingest,
      historySamples,
    });
  }

  /** Takes a sample now and runs the rules on it (one at a time: a concurrent call shares it). */
  sampleNow(): Promise<MonitorSample> {
    if (!this.sampling) {
      this.sampling = this.takeSample().finally(() => {
        this.sampling = undefined;
      });
    }
    return this.sampling;
  }

  // ---- internals -------------------------------------------------------------------------

  private async takeSample(): Promise<MonitorSample> {
    const previous = this.latest();
    const [queues, probes] = await Promise.all([this.readQueues(), this.readProbes()]);
    const at = Date.now();
    const sample: MonitorSample = {
      at,
      windowMs: this.windowMs,
      queues,
      jobs: this.readJobTimes(),
      http: this.http.summary(),
      search: this.search.summary(),
      cache: this.readCache(),
      batchers: this.readBatchers(),
      process: this.processSampler.read(),
      probes,
      tunables: this.tunables.values(),
    };
    this.samples.push(sample);
    if (this.samples.length > this.historySize)
      this.samples.splice(0, this.samples.length - this.historySize);
    for (const [name, counts] of Object.entries(queues)) this.metrics?.setQueueDepth(name, counts);
    await this.optimize(sample, previous);
    return sample;
  }

  private async optimize(
    sample: MonitorSample,
    previous: MonitorSample | undefined,
  ): Promise<void> {
    const now = Date.now();
    for (const planned of this.runner.plan(sample, previous, now)) {
      const rule = this.rules.find((r) => r.name === planned.rule);
      const cooldownMs = rule ? rule.cooldownMs(this.config) : this.config.cooldownMs;
      if (this.bus && !(await this.bus.claim(planned.rule, cooldownMs))) {
        // Another process acted on this rule within its cooldown; its action reaches us by the channel.
        this.runner.markActed(planned.rule, now);
        continue;
      }
      const outcome = this.runner.apply(planned, now);
      // Planned as a change, but nothing moved (the value changed meanwhile, or its owner kept it).
      if (outcome.changes.length === 0 && !outcome.task) continue;
      this.keep(outcome, 'local', this.instanceId, now);
      this.metrics?.countAction(planned.rule);
      this.logger.log(`${planned.rule}: ${outcome.change} (${planned.reason})`);
      if (this.bus) {
        const published: RuleAction = {
          rule: planned.rule,
          reason: planned.reason,
          adjustments: planned.adjustments,
          task: outcome.task,
        };
        await this.bus
          .publish(published, now)
          .catch((e: unknown) =>
            this.logger.warn(`could not publish ${planned.rule} to the fleet: ${errorMessage(e)}`),
          );
      }
    }
  }

  private applyFleetAction(action: FleetAction): void {
    const now = Date.now();
    const outcome = this.runner.applyRemote(action, now);
    // Already where the action would take it, or without the tunable: nothing to tell.
    if (outcome.changes.length === 0) return;
    this.keep(outcome, 'fleet', action.origin, now);
    this.logger.log(`${action.rule} from ${action.origin}: ${outcome.change} (${action.reason})`);
  }

  private keep(
    outcome: ActionOutcome,
    source: 'local' | 'fleet',
    origin: string,
    at: number,
  ): void {
    this.actions.unshift({
      at: new Date(at).toISOString(),
      rule: outcome.rule,
      change: outcome.change,
      reason: outcome.reason,
      source,
      origin,
    });
    if (this.actions.length > this.recentActionsSize) this.actions.length = this.recentActionsSize;
  }

  private async readQueues(): Promise<Record<string, QueueCounts>> {
    const entries = await Promise.all(
      [...this.queues].map(async ([name, queue]): Promise<[string, QueueCounts] | null> => {
        try {
          const c = await within(this.readTimeoutMs, queue.getJobCounts(...QUEUE_COUNT_TYPES));
          const n = (key: string): number => c[key] ?? 0;
          return [
            name,
            {
              waiting: n('waiting') + n('paused') + n('prioritized'),
              active: n('active'),
              delayed: n('delayed'),
              failed: n('failed'),
              completed: n('completed'),
            },
          ];
        } catch (error) {
          this.logger.debug(`queue ${name}: counts unavailable: ${errorMessage(error)}`);
          return null;
        }
      }),
    );
    return Object.fromEntries(entries.filter((e): e is [string, QueueCounts] => e !== null));
  }

  private async readProbes(): Promise<Record<string, number | null>> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]): Promise<[string, number | null]> => {
        try {
          const value = await within(this.readTimeoutMs, probe());
          return [name, Number.isFinite(value) ? value : null];
        } catch (error) {
          this.logger.debug(`probe ${name} failed: ${errorMessage(error)}`);
          return [name, null];
        }
      }),
    );
    return Object.fromEntries(entries);
  }

  private readJobTimes(): Record<string, JobTimesSample> {
    const out: Record<string, JobTimesSample> = {};
    for (const [queue, run] of this.jobRun) {
      const wait = this.jobWait.get(queue);
      if (wait) out[queue] = { wait: wait.summary(), run: run.summary() };
    }
    return out;
  }

  private readCache(): CacheSample {
    const t = this.tiers.totals();
    const l1 = t.get('l1') ?? 0;
    const l2 = t.get('l2') ?? 0;
    const misses = t.get('miss') ?? 0;
    const total = l1 + l2 + misses;
    const share = (n: number): number => (total > 0 ? n / total : 0);
    return {
      l1Hits: l1,
      l2Hits: l2,
      misses,
      l1HitRate: share(l1),
      l2HitRate: share(l2),
      hitRate: share(l1 + l2),
    };
  }

  private readBatchers(): Record<string, BatcherSample> {
    const all = new Map(this.batchers);
    for (const source of this.batcherSources) {
      try {
        for (const batcher of source()) {
          if (!all.has(batcher.name))
            all.set(batcher.name, { kind: kindOf(batcher.name), batcher });
        }
      } catch (error) {
        this.logger.debug(`batcher source failed: ${errorMessage(error)}`);
      }
    }
    const out: Record<string, BatcherSample> = {};
    for (const [name, { kind, batcher }] of all) {
      const s = batcher.stats();
      out[name] = {
        kind,
        target: s.target,
        maxWaitMs: s.maxWaitMs,
        concurrency: s.concurrency,
        avgBatchSize: s.avgBatchSize,
        itemsPerSec: s.itemsPerSec,
        p50Ms: s.p50BatchMs,
        p95Ms: s.p95BatchMs,
        queued: s.queued,
        inFlight: s.inFlight,
      };
    }
    return out;
  }

  private newHistogram(): SlidingHistogram {
    return new SlidingHistogram({ windowMs: this.windowMs, slots: this.windowSlots });
  }

  private histogramFor(map: Map<string, SlidingHistogram>, queue: string): SlidingHistogram {
    let h = map.get(queue);
    if (!h) {
      h = this.newHistogram();
      map.set(queue, h);
    }
    return h;
  }
}
