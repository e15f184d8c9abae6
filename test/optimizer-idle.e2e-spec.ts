import { Logger } from '@nestjs/common';
import { MonitorService } from '../src/monitor/monitor.service';
import type { PerformanceReport } from '../src/monitor/performance-report';
import { TUNABLE } from '../src/monitor/tunables';
import { http, RunningApp, startApp } from './support/app-harness';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An idle service, sampled and optimized every 200 ms with no cooldown: nothing calls for a
 * change, so over many ticks the optimizer takes no action, logs none, and every knob stays at
 * its configured value (seen live before: search concurrency lowered by one per cooldown).
 */
describe('the optimizer on an idle service (real app)', () => {
  let app: RunningApp;
  let monitorLines: string[];
  let logSpy: jest.SpyInstance;

  beforeAll(async () => {
    monitorLines = [];
    const log = Logger.prototype.log;
    logSpy = jest.spyOn(Logger.prototype, 'log').mockImplementation(function (
      this: Logger,
      message: unknown,
      ...rest: unknown[]
    ) {
      if ((this as unknown as { context?: string }).context === 'Monitor') {
        monitorLines.push(String(message));
      }
      return log.call(this, message, ...rest);
    });
    app = await startApp({
      RAGLINE_MONITOR_INTERVAL_MS: '200',
      RAGLINE_OPTIMIZER_COOLDOWN_MS: '0',
      RAGLINE_SEARCH_CONCURRENCY: '48',
      RAGLINE_INGEST_CONCURRENCY: '12',
      RAGLINE_SEARCH_L1_MAX_ENTRIES: '5000',
      RAGLINE_SEARCH_DEFAULT_EF: '80',
    });
  });

  afterAll(async () => {
    logSpy.mockRestore();
    await app?.close();
  });

  it('takes and logs no action over many ticks; every tunable stays at its configured baseline', async () => {
    const monitor = app.app.get(MonitorService);
    const startedAt = monitor.history().length;
    await until(() => monitor.history().length >= startedAt + 40, 60_000);

    expect(monitor.recentActions()).toEqual([]);
    expect(monitorLines).toEqual([]);

    const views = monitor.tunableViews();
    const configured = {
      [TUNABLE.searchConcurrency]: 48,
      [TUNABLE.ingestConcurrency]: 12,
      [TUNABLE.l1MaxEntries]: 5000,
      [TUNABLE.searchEf]: 80,
      [TUNABLE.searchMaxWaitMs]: 2,
      [TUNABLE.embedBatchTarget]: 16,
    };
    for (const [name, value] of Object.entries(configured)) {
      expect({ name, ...views[name] }).toMatchObject({ name, value, baseline: value });
    }

    const report = await http<PerformanceReport>(app.url, 'GET', '/v1/health/performance');
    expect(report.status).toBe(200);
    expect(report.body.actions).toEqual([]);
    expect(report.body.tunables).toMatchObject(configured);
    const metrics = await fetch(`${app.url}/metrics`).then((r) => r.text());
    expect(metrics).not.toMatch(/ragline_optimizer_actions_total\{rule=/);
  }, 120_000);
});
