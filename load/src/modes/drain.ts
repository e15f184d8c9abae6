import type { PerformanceReport, RaglineClient } from '../../../src/client';
import { INGEST_QUEUE } from '../../../src/queues/queue-names';

/** The performance report of a monitor sample taken at or after `since` (epoch ms). */
export async function freshPerformance(
  client: RaglineClient,
  since: number,
  timeoutMs = 60_000,
): Promise<PerformanceReport> {
  for (;;) {
    const report = await client.performance();
    if (Date.parse(report.sampledAt) >= since || Date.now() - since > timeoutMs) return report;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits until the ingest queue has nothing waiting, delayed or active, as seen by a monitor
 * sample taken after this call began (never a stale one), printing the backlog every few
 * seconds; returns how long that took and the failed count.
 */
export async function drainIngest(
  client: RaglineClient,
  timeoutMs = 30 * 60_000,
): Promise<{ seconds: number; failed: number }> {
  const since = Date.now();
  let lastPrint = 0;
  for (;;) {
    const report = await freshPerformance(client, since);
    const q = report.queues[INGEST_QUEUE] ?? { waiting: 0, active: 0, delayed: 0, failed: 0 };
    const seconds = Math.round((Date.now() - since) / 100) / 10;
    if (q.waiting + q.active + q.delayed === 0) return { seconds, failed: q.failed };
    if (Date.now() - since > timeoutMs) {
      throw new Error(`the ingest backlog did not drain within ${timeoutMs / 1000} s`);
    }
    if (Date.now() - lastPrint > 5000) {
      lastPrint = Date.now();
      console.log(`ingest backlog: ${q.waiting} waiting, ${q.active} active, ${q.delayed} delayed`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
