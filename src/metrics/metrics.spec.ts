import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync, spawnSync } from 'node:child_process';
import { HttpObservation, installHttpMetrics } from './http-metrics';
import { MetricsModule } from './metrics.module';
import { batcherKind, MetricsService } from './metrics.service';

@Controller('v1/collections')
class ProbeController {
  @Get(':name/search')
  search(@Param('name') name: string): { name: string } {
    return { name };
  }
}

@Controller('v1/jobs')
class JobsProbeController {
  @Get(':id')
  job(@Param('id') id: string): { id: string } {
    return { id };
  }
}

@Module({ imports: [MetricsModule], controllers: [ProbeController, JobsProbeController] })
class ProbeModule {}

function promtoolPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** The value of one sample line, e.g. `ragline_x_count{a="b"} 3`. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('MetricsService', () => {
  let app: NestFastifyApplication;
  let base: string;
  let metrics: MetricsService;
  const observed: HttpObservation[] = [];

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), {
      logger: false,
    });
    metrics = app.get(MetricsService);
    installHttpMetrics(app.getHttpAdapter().getInstance(), metrics, {
      onObserved: (o) => observed.push(o),
    });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  it('labels requests by route pattern, never by raw URL, and unmatched routes as such', async () => {
    expect((await fetch(`${base}/v1/collections/alpha/search`)).status).toBe(200);
    expect((await fetch(`${base}/v1/collections/beta/search`)).status).toBe(200);
    expect((await fetch(`${base}/no/such/path/123`)).status).toBe(404);

    const text = await metrics.render();
    const route = '/v1/collections/:name/search';
    expect(
      sampleValue(
        text,
        `ragline_http_request_duration_seconds_count{method="GET",route="${route}",status="200",route_kind="api"}`,
      ),
    ).toBe(2);
    expect(
      sampleValue(
        text,
        'ragline_http_request_duration_seconds_count{method="GET",route="unmatched",status="404",route_kind="api"}',
      ),
    ).toBe(1);
    expect(text).not.toContain('alpha');
    expect(text).not.toContain('/no/such/path');
    expect(observed.map((o) => o.route)).toEqual([route, route, 'unmatched']);
    expect(observed.every((o) => o.durationMs >= 0 && o.durationMs < 5000)).toBe(true);
  });

  it('labels job polling apart from real traffic, under the same metric name', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/v1/jobs/j${i}`)).status).toBe(200);
    const text = await metrics.render();
    expect(
      sampleValue(
        text,
        'ragline_http_request_duration_seconds_count{method="GET",route="/v1/jobs/:id",status="200",route_kind="job_polling"}',
      ),
    ).toBe(3);
    expect(text).not.toMatch(/route="\/v1\/jobs\/:id"[^}]*route_kind="api"/);
  });

  it('exports durations in seconds although callers pass milliseconds', async () => {
    const own = new MetricsService();
    own.observeStore('search', 250);
    const text = await own.render();
    expect(sampleValue(text, 'ragline_store_duration_seconds_sum{operation="search"}')).toBe(0.25);
    expect(
      sampleValue(text, 'ragline_store_duration_seconds_bucket{le="0.25",operation="search"}'),
    ).toBe(1);
  });

  it('keeps collection names out of batcher labels', async () => {
    expect(batcherKind('upsert:customer-secrets')).toBe('upsert');
    expect(batcherKind('embed:use-lite')).toBe('embed');
    expect(batcherKind('weird')).toBe('other');
    const own = new MetricsService();
    own.observeBatch('upsert:customer-secrets', 64, 12);
    const text = await own.render();
    expect(text).not.toContain('customer-secrets');
    expect(sampleValue(text, 'ragline_batch_size_count{batcher="upsert"}')).toBe(1);
  });

  it("exports a local model's CPU as a counter read at each scrape, that never goes down", async () => {
    const own = new MetricsService();
    const metric = 'ragline_model_cpu_seconds_total{embedder="use-lite"}';
    let read: number | undefined = 2.5;
    own.trackModelCpu('use-lite', () => read);
    expect(sampleValue(await own.render(), metric)).toBe(2.5);
    read = 4;
    expect(sampleValue(await own.render(), metric)).toBe(4);
    read = undefined; // unreadable at this scrape: the count stays
    expect(sampleValue(await own.render(), metric)).toBe(4);
    // the model started again (its threads count from zero): the total goes on from 4
    own.trackModelCpu('use-lite', () => 1);
    expect(sampleValue(await own.render(), metric)).toBe(5);
  });

  it('gives each instance its own registry', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    a.countAction('memory-pressure');
    expect(
      sampleValue(await a.render(), 'ragline_optimizer_actions_total{rule="memory-pressure"}'),
    ).toBe(1);
    expect(await b.render()).not.toContain('rule="memory-pressure"');
  });

  it('serves GET /metrics with the registry content type, and promtool accepts every metric', async () => {
    metrics.observeJob('ingest', 120, 3400);
    metrics.setQueueDepth('ingest', { waiting: 3, active: 1, delayed: 0, failed: 2, completed: 9 });
    metrics.cacheLookup('l1', true);
    metrics.cacheLookup('l1', false);
    metrics.cacheLookup('l2', false);
    metrics.observeBatch('embed:use-lite', 16, 180);
    metrics.observeEmbed('use-lite', 175);
    metrics.observeStore('upsert', 8);
    metrics.countAction('search-latency');
    metrics.countAvoidedModelCalls('embedding_cache', 5);
    metrics.embeddingCacheLookup(true, 5);

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.contentType);
    const text = await response.text();
    for (const name of [
      'ragline_http_request_duration_seconds_bucket',
      'ragline_job_duration_seconds_count{queue="ingest"} 1',
      'ragline_job_wait_seconds_count{queue="ingest"} 1',
      'ragline_queue_jobs{queue="ingest",state="failed"} 2',
      'ragline_cache_requests_total{tier="l1",result="hit"} 1',
      'ragline_cache_requests_total{tier="l2",result="miss"} 1',
      'ragline_batch_size_count{batcher="embed"} 1',
      'ragline_batch_duration_seconds_count{batcher="embed"} 1',
      'ragline_embed_duration_seconds_count{embedder="use-lite"} 1',
      'ragline_store_duration_seconds_count{operation="upsert"} 1',
      'ragline_optimizer_actions_total{rule="search-latency"} 1',
      'ragline_model_calls_avoided_total{reason="embedding_cache"} 5',
      'ragline_embedding_cache_requests_total{result="hit"} 5',
      'ragline_process_resident_memory_bytes',
      'ragline_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(text).toContain(name);
    }

    const promtool = promtoolPath();
    if (!promtool) {
      console.warn(
        'SKIPPED promtool lint: promtool not found (install it with `apt-get install -y prometheus`)',
      );
      return;
    }
    // promtool exits non-zero on format errors and on lint problems, and lists them on stdout.
    let problems = '';
    try {
      execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      problems = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(error);
    }
    expect(problems).toBe('');
  });
});
