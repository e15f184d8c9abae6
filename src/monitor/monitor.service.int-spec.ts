import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { AdaptiveBatcher } from '../batching';
import { loadConfig } from '../config/config';
import { ConfigModule } from '../config/config.module';
import { MetricsModule } from '../metrics/metrics.module';
import { MetricsService } from '../metrics/metrics.service';
import { bullConnectionOptions, createCommandConnection } from '../redis/redis-connection';
import { RedisModule } from '../redis/redis.module';
import { actionsChannel } from './action-bus';
import { MonitorModule } from './monitor.module';
import { MonitorOptions, MonitorService } from './monitor.service';
import type { PerformanceReport } from './performance-report';
import type { RuleDefinition } from './rules/rule.types';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { TUNABLE } from './tunables';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

const prefix = uniquePrefix('monitor');

/** A connection like the app's REDIS one (fails fast, no offline queue), ready to use. */
async function commandConnection(): Promise<Redis> {
  const redis = createCommandConnection(REDIS_URL, `${prefix}:test`);
  redis.on('error', () => undefined);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function monitorWithRedis(options: Partial<MonitorOptions>): Promise<MonitorService> {
  const redis = await commandConnection();
  const m = new MonitorService({ prefix, intervalMs: 0, ...options }, redis);
  await m.start();
  const stop = m.stop.bind(m);
  m.stop = async () => {
    await stop();
    redis.disconnect();
  };
  return m;
}

const MiB = 1024 * 1024;
/** Limits a live test process is sure to be over (RSS) or under (restore thresholds). */
const overMemoryLimit = { memory: { rssLimitBytes: 1 * MiB } };
const roomyMemory = { memory: { rssLimitBytes: 1024 * 1024 * MiB } };

describe('MonitorService', () => {
  const connections: Redis[] = [];
  const monitors: MonitorService[] = [];
  let queue: Queue;

  async function monitor(options: Partial<MonitorOptions> = {}, metrics?: MetricsService) {
    const redis = await commandConnection();
    connections.push(redis);
    const m = new MonitorService({ prefix, intervalMs: 0, ...options }, redis, metrics);
    monitors.push(m);
    await m.start();
    return m;
  }

  beforeAll(() => {
    queue = new Queue('ingest', { connection: bullConnectionOptions(REDIS_URL), prefix });
  });

  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.stop()));
  });

  afterAll(async () => {
    await queue.close();
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await dropPrefix(prefix, REDIS_URL);
  });

  it('samples real queue counts, job and search times, cache tiers, batchers, probes and the process', async () => {
    await queue.addBulk([
      { name: 'doc', data: { n: 1 } },
      { name: 'doc', data: { n: 2 } },
      { name: 'doc', data: { n: 3 }, opts: { delay: 60_000 } },
    ]);
    const metrics = new MetricsService();
    const m = await monitor({ optimizer: { enabled: false } }, metrics);
    m.registerQueue('ingest', queue);
    m.registerProbe('unindexedRows', async () => 1234);
    m.registerProbe('broken', () => Promise.reject(new Error('store down')));
    const batcher = new AdaptiveBatcher<number, number>({
      name: 'embed:use-lite',
      run: async (items) => items.map((i) => i * 2),
      minSize: 1,
      maxSize: 64,
      initialSize: 8,
      maxWaitMs: 5,
      latencyTargetMs: 1000,
    });
    await batcher.submitMany([1, 2, 3, 4, 5, 6, 7, 8]);
    m.registerBatchers(() => [batcher]);
    let l1 = 5000;
    m.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1,
      set: (v) => (l1 = v),
      min: 10,
      max: 10_000,
    });
    for (let i = 0; i < 10; i++) m.recordJob('ingest', 100 + i, 2000 + i * 10);
    for (let i = 0; i < 6; i++) m.recordSearch(5, 'l1');
    for (let i = 0; i < 2; i++) m.recordSearch(12, 'l2');
    for (let i = 0; i < 2; i++) m.recordSearch(180, 'miss');
    m.recordHttp('/v1/collections/:name/search', 20, 200);

    const s = await m.sampleNow();
    expect(s.queues.ingest).toMatchObject({ waiting: 2, delayed: 1, active: 0, failed: 0 });
    expect(s.jobs.ingest.run.count).toBe(10);
    expect(s.jobs.ingest.run.p50Ms).toBeGreaterThan(2000);
    expect(s.search.count).toBe(10);
    expect(s.cache).toMatchObject({ l1Hits: 6, l2Hits: 2, misses: 2, hitRate: 0.8 });
    expect(s.cache.l1HitRate).toBeCloseTo(0.6);
    expect(s.http.count).toBe(1);
    expect(s.batchers['embed:use-lite']).toMatchObject({
      kind: 'embed',
      target: 8,
      avgBatchSize: 8,
    });
    expect(s.probes).toEqual({ unindexedRows: 1234, broken: null });
    expect(s.tunables).toEqual({ [TUNABLE.l1MaxEntries]: 5000 });
    expect(s.process.rssBytes).toBeGreaterThan(10 * MiB);
    expect(s.process.heapLimitBytes).toBeGreaterThan(s.process.heapUsedBytes);
    expect(s.process.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(m.latest()).toBe(s);

    const text = await metrics.render();
    expect(text).toContain('ragline_queue_jobs{queue="ingest",state="waiting"} 2');
    expect(text).toContain('ragline_job_duration_seconds_count{queue="ingest"} 10');

    const report = await m.report();
    expect(report.queues.ingest).toEqual({ waiting: 2, active: 0, failed: 0, delayed: 1 });
    expect(report.batching['embed:use-lite'].target).toBe(8);
    await batcher.close();
  });

  it('keeps a bounded history', async () => {
    const m = await monitor({ historySize: 3, optimizer: { enabled: false } });
    for (let i = 0; i < 5; i++) await m.sampleNow();
    expect(m.history()).toHaveLength(3);
    expect(m.history()[2]).toBe(m.latest());
  });

  it('publishes an action that another instance applies to its own tunable, without re-publishing', async () => {
    const metricsA = new MetricsService();
    const a = await monitor({ instanceId: 'A', optimizer: overMemoryLimit }, metricsA);
    const b = await monitor({ instanceId: 'B', optimizer: roomyMemory });
    let l1A = 8000;
    let l1B = 3000;
    a.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1A,
      set: (v) => (l1A = v),
      min: 100,
      max: 10_000,
    });
    b.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1B,
      set: (v) => (l1B = v),
      min: 1000,
      max: 10_000,
    });

    // Listen on the channel as a third party, to count what is published.
    const listener = new Redis(REDIS_URL);
    connections.push(listener);
    const published: string[] = [];
    listener.on('message', (_channel: string, message: string) => published.push(message));
    await listener.subscribe(actionsChannel(prefix));

    await a.sampleNow();
    expect(l1A).toBe(4000);
    await until(() => l1B !== 3000);
    // B halves its own value, within its own bounds (min 1000).
    expect(l1B).toBe(1500);
    expect(b.recentActions()[0]).toMatchObject({
      rule: 'memory-pressure',
      source: 'fleet',
      origin: 'A',
      change: `${TUNABLE.l1MaxEntries} 3000 -> 1500`,
    });
    expect(a.recentActions()).toHaveLength(1);
    expect(a.recentActions()[0]).toMatchObject({
      source: 'local',
      origin: 'A',
      change: `${TUNABLE.l1MaxEntries} 8000 -> 4000`,
    });
    expect(await metricsA.render()).toContain(
      'ragline_optimizer_actions_total{rule="memory-pressure"} 1',
    );

    // Nobody re-publishes: after a pause, still one message on the channel.
    await new Promise((r) => setTimeout(r, 200));
    expect(published).toHaveLength(1);
    expect(JSON.parse(published[0])).toMatchObject({ origin: 'A', rule: 'memory-pressure' });
  });

  it('acts once per cooldown across the fleet', async () => {
    // A fleet of its own: the cooldown claimed by A in the previous test would hold here too.
    const fleet = `${prefix}:fleet-cd`;
    const c = await monitor({ prefix: fleet, instanceId: 'C', optimizer: overMemoryLimit });
    const d = await monitor({ prefix: fleet, instanceId: 'D', optimizer: overMemoryLimit });
    let l1C = 8000;
    let l1D = 8000;
    c.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1C,
      set: (v) => (l1C = v),
      min: 100,
      max: 10_000,
    });
    d.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1D,
      set: (v) => (l1D = v),
      min: 100,
      max: 10_000,
    });
    // Both see the same pressure at the same moment; one claims the rule, both apply it once.
    await Promise.all([c.sampleNow(), d.sampleNow()]);
    await until(() => l1C === 4000 && l1D === 4000);
    await new Promise((r) => setTimeout(r, 100));
    expect([l1C, l1D]).toEqual([4000, 4000]);
    const local = [...c.recentActions(), ...d.recentActions()].filter((x) => x.source === 'local');
    expect(local).toHaveLength(1);
    // Within the cooldown neither acts again, though the pressure persists.
    await Promise.all([c.sampleNow(), d.sampleNow()]);
    expect([l1C, l1D]).toEqual([4000, 4000]);
  });

  it('ignores malformed messages on the channel', async () => {
    const e = await monitor({
      prefix: `${prefix}:fleet-e`,
      instanceId: 'E',
      optimizer: roomyMemory,
    });
    let l1 = 5000;
    e.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1,
      set: (v) => (l1 = v),
      min: 1,
      max: 10_000,
    });
    const redis = await commandConnection();
    connections.push(redis);
    const channel = actionsChannel(`${prefix}:fleet-e`);
    await redis.publish(channel, 'not json');
    await redis.publish(channel, JSON.stringify({ origin: 'X', rule: 'r' }));
    await redis.publish(
      channel,
      JSON.stringify({
        origin: 'X',
        at: 1,
        rule: 'r',
        reason: 'ok',
        adjustments: [{ tunable: TUNABLE.l1MaxEntries, op: 'set', value: 42 }],
      }),
    );
    await until(() => l1 === 42);
    expect(e.recentActions()).toHaveLength(1);
  });
});

describe('MonitorService logs and records only actions that change something', () => {
  /** Asks every sample for searchConcurrency +1: a decision whose effect the test controls. */
  const alwaysMore: RuleDefinition = {
    name: 'always-more',
    cooldownMs: () => 0,
    evaluate: () => ({
      rule: 'always-more',
      reason: 'test',
      adjustments: [{ tunable: TUNABLE.searchConcurrency, op: 'add', value: 1 }],
    }),
  };
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('a decision that moves nothing here is neither logged, recorded, counted nor published', async () => {
    const metrics = new MetricsService();
    const m = new MonitorService(
      { prefix: `${prefix}:noop`, intervalMs: 0, rules: [alwaysMore] },
      null,
      metrics,
    );
    // Its owner keeps the value (as a worker that is not running would).
    m.registerTunable({
      name: TUNABLE.searchConcurrency,
      get: () => 8,
      set: () => undefined,
      min: 1,
      max: 64,
    });
    for (let i = 0; i < 5; i++) await m.sampleNow();
    expect(logged).not.toHaveBeenCalled();
    expect(m.recentActions()).toHaveLength(0);
    expect(await metrics.render()).not.toContain('ragline_optimizer_actions_total{rule=');

    // The same decision on a knob that moves: logged and recorded once per change.
    let value = 8;
    m.registerTunable({
      name: TUNABLE.searchConcurrency,
      get: () => value,
      set: (v) => (value = v),
      min: 1,
      max: 9,
    });
    for (let i = 0; i < 5; i++) await m.sampleNow();
    expect(value).toBe(9);
    expect(m.recentActions().map((a) => a.change)).toEqual([`${TUNABLE.searchConcurrency} 8 -> 9`]);
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('a fleet action that changes nothing here is neither logged nor recorded', async () => {
    const fleet = `${prefix}:noop-fleet`;
    const receiver = await monitorWithRedis({ prefix: fleet, instanceId: 'R', rules: [] });
    let value = 12;
    receiver.registerTunable({
      name: TUNABLE.searchConcurrency,
      get: () => value,
      set: (v) => (value = v),
      min: 1,
      max: 12,
    });
    const redis = await commandConnection();
    try {
      const publish = (op: 'set' | 'add', v: number) =>
        redis.publish(
          actionsChannel(fleet),
          JSON.stringify({
            origin: 'X',
            at: Date.now(),
            rule: 'search-latency',
            reason: 'test',
            adjustments: [{ tunable: TUNABLE.searchConcurrency, op, value: v }],
          }),
        );
      await publish('add', 1); // already at its max here
      await publish('set', 12); // already there
      await publish('set', 10); // a change
      await until(() => value === 10);
      await new Promise((r) => setTimeout(r, 100));
      expect(receiver.recentActions().map((a) => a.change)).toEqual([
        `${TUNABLE.searchConcurrency} 12 -> 10`,
      ]);
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      await receiver.stop();
      redis.disconnect();
    }
  });
});

describe('MonitorService without Redis', () => {
  it('boots, tunes this process alone and stops promptly when Redis is unreachable', async () => {
    const redis = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
      // ioredis keeps a 2 s timer after disconnecting a socket that never opened; jest would wait.
      disconnectTimeout: 10,
    });
    redis.on('error', () => undefined);
    const m = new MonitorService(
      {
        prefix,
        intervalMs: 0,
        fleetConnectTimeoutMs: 300,
        readTimeoutMs: 300,
        optimizer: overMemoryLimit,
      },
      redis,
    );
    let l1 = 8000;
    m.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => l1,
      set: (v) => (l1 = v),
      min: 1,
      max: 10_000,
    });
    const started = Date.now();
    await m.start();
    await m.sampleNow();
    expect(l1).toBe(4000);
    await m.stop();
    redis.disconnect();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('MonitorModule', () => {
  it('wires into a Nest app with APP_CONFIG, REDIS and metrics, and serves GET /v1/health/performance', async () => {
    const config = loadConfig({
      REDIS_URL,
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_LOG_LEVEL: 'warn',
    });
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        RedisModule,
        MetricsModule,
        MonitorModule.forRoot({ intervalMs: 50 }),
      ],
    })
    class TestModule {}
    const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    try {
      const monitor = app.get(MonitorService);
      monitor.recordSearch(30, 'l1');
      monitor.recordJob('ingest', 5, 50);
      await until(() => monitor.history().length >= 2);
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const response = await fetch(`${base}/v1/health/performance?history=1`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as PerformanceReport;
      expect(body.status).toBe('healthy');
      expect(body.cache.l1HitRate).toBe(1);
      expect(body.window.seconds).toBe(60);
      expect(body.history?.length).toBeGreaterThanOrEqual(2);
      expect(Object.keys(body.process).sort()).toEqual([
        'cpuPercent',
        'eventLoopP99Ms',
        'heapUsedBytes',
        'rssBytes',
      ]);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('ragline_process_resident_memory_bytes');
      // The monitor got the app's MetricsService injected: recordJob reached the registry.
      expect(text).toContain('ragline_job_duration_seconds_count{queue="ingest"} 1');
    } finally {
      await app.close();
    }
  });
});
