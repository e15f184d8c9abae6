import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { statCpuTicks } from '../../src/common/proc-stat';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system, all threads) a live process has used; undefined off Linux or once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicks();
  } catch {
    return undefined;
  }
}

export interface CpuUsage {
  /** CPU seconds used over the watched span. */
  seconds: number;
  wallSeconds: number;
  /** 100 = one core busy the whole time. */
  percent: number;
}

/**
 * `seconds` of CPU over `wallSeconds`, as the watches report it: seconds rounded to
 * `secondsDecimals`, the wall time to one decimal, the percentage from the unrounded figures.
 */
export function cpuUsage(seconds: number, wallSeconds: number, secondsDecimals = 1): CpuUsage {
  const scale = 10 ** secondsDecimals;
  return {
    seconds: Math.round(seconds * scale) / scale,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    percent: wallSeconds > 0 ? Math.round((100 * seconds) / wallSeconds) : 0,
  };
}

/**
 * Follows a process's CPU time from now on, sampling every 250 ms so a process that exits is
 * still measured (up to its last sample).
 */
export class CpuWatch {
  private startedAt = performance.now();
  private start: number | undefined;
  private last: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.start = cpuSeconds(pid);
    this.last = this.start;
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }

  /** Counts from now on (e.g. once start-up is over). */
  restart(): void {
    this.startedAt = performance.now();
    this.start = cpuSeconds(this.pid) ?? this.start;
    this.last = this.start;
  }

  private sample(): void {
    const now = cpuSeconds(this.pid);
    if (now !== undefined) this.last = now;
  }

  stop(): CpuUsage | undefined {
    this.sample();
    clearInterval(this.timer);
    if (this.start === undefined || this.last === undefined) return undefined;
    return cpuUsage(this.last - this.start, (performance.now() - this.startedAt) / 1000);
  }
}
