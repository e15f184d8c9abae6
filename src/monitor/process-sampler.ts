import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { ProcessSample } from './monitor.types';

const NS_PER_MS = 1e6;

/**
 * Event-loop delay, CPU and memory of this process. Each read covers the time since the
 * previous read (the event-loop histogram is reset, CPU is a delta of process.cpuUsage).
 */
export class ProcessSampler {
  private readonly loop: IntervalHistogram;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private enabled = false;

  constructor(resolutionMs = 10) {
    this.loop = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    if (this.enabled) return;
    this.loop.enable();
    this.enabled = true;
  }

  stop(): void {
    if (!this.enabled) return;
    this.loop.disable();
    this.enabled = false;
  }

  read(): ProcessSample {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const memory = process.memoryUsage();
    const hasLoopData = this.loop.count > 0;
    const sample: ProcessSample = {
      eventLoopP99Ms: hasLoopData ? this.loop.percentile(99) / NS_PER_MS : 0,
      eventLoopMeanMs: hasLoopData ? this.loop.mean / NS_PER_MS : 0,
      eventLoopMaxMs: hasLoopData ? this.loop.max / NS_PER_MS : 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      heapLimitBytes: getHeapStatistics().heap_size_limit,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    };
    this.loop.reset();
    return sample;
  }
}
