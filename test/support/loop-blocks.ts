import { threadCpuSeconds } from '../../src/embedding/thread-cpu';

/** One stretch without a tick of the event loop: how long, and how much CPU the loop's thread used. */
export interface LoopGap {
  gapMs: number;
  cpuMs: number;
  /** The part of the gap the loop's thread itself was running (min of the two): time it blocked. */
  blockedMs: number;
}

/**
 * CPU ms of the thread that runs this event loop: on Linux the main thread's own (its thread id
 * is the process id; 10 ms resolution), so the process's other threads (the parse pool's or the
 * model's worker threads, busy meanwhile) do not count; elsewhere the whole process's, an upper bound.
 */
export function loopThreadCpuMs(): number {
  const seconds = process.platform === 'linux' ? threadCpuSeconds(process.pid) : undefined;
  if (seconds !== undefined) return seconds * 1000;
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Watches this process's event loop with a 5 ms timer. A late tick is a block only as far as
 * the loop's thread was running meanwhile: on a shared machine a thread can also wait for a
 * core, which delays timers without blocking anything (wall-clock delay alone would count that).
 */
export function watchLoopBlocks(): { stop(): { worst: LoopGap; gaps: number } } {
  let last = performance.now();
  let lastCpuMs = loopThreadCpuMs();
  let worst: LoopGap = { gapMs: 0, cpuMs: 0, blockedMs: 0 };
  let gaps = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpuNowMs = loopThreadCpuMs();
    const gapMs = now - last;
    if (gapMs > 20) {
      gaps++;
      const cpuMs = cpuNowMs - lastCpuMs;
      const blockedMs = Math.min(gapMs, cpuMs);
      if (blockedMs > worst.blockedMs) worst = { gapMs, cpuMs, blockedMs };
    }
    last = now;
    lastCpuMs = cpuNowMs;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return { worst, gaps };
    },
  };
}
