import { readFileSync } from 'node:fs';
import { statCpuTicks } from '../common/proc-stat';

/**
 * Clock ticks per second of /proc's CPU times: USER_HZ, which Linux fixes at 100 for user space
 * on every architecture Node runs on.
 */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) one thread of this process has run; undefined once it is gone or off Linux. */
export function threadCpuSeconds(tid: number): number | undefined {
  try {
    return statCpuTicks(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * The CPU time a changing set of threads has used, never going down: a thread that ends keeps
 * counting with the last time read from it (a model thread that crashed and was replaced).
 */
export class ThreadCpuTotal {
  private readonly lastRead = new Map<number, number>();
  private ended = 0;

  add(tid: number): void {
    if (!this.lastRead.has(tid)) this.lastRead.set(tid, 0);
  }

  get threads(): number {
    return this.lastRead.size;
  }

  /** Seconds over every thread added so far; undefined before any was (or off Linux). */
  seconds(read: (tid: number) => number | undefined = threadCpuSeconds): number | undefined {
    if (this.lastRead.size === 0 && this.ended === 0) return undefined;
    let live = 0;
    for (const [tid, previous] of this.lastRead) {
      const now = read(tid);
      if (now === undefined) {
        this.ended += previous;
        this.lastRead.delete(tid);
      } else {
        this.lastRead.set(tid, now);
        live += now;
      }
    }
    return this.ended + live;
  }
}
