/** One stretch without a tick of the event loop: how long, and how much CPU the process used. */
export interface LoopGap {
  gapMs: number;
  cpuMs: number;
  /** The part of the gap the process itself was running (min of the two): time it blocked. */
  blockedMs: number;
}

/**
 * Watches this process's event loop with a 5 ms timer. A late tick is a block only as far as
 * the process was running meanwhile: on a shared machine a process can also wait for a core,
 * which delays timers without blocking anything (wall-clock delay alone would count that).
 */
export function watchLoopBlocks(): { stop(): { worst: LoopGap; gaps: number } } {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let worst: LoopGap = { gapMs: 0, cpuMs: 0, blockedMs: 0 };
  let gaps = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const gapMs = now - last;
    if (gapMs > 20) {
      gaps++;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const blockedMs = Math.min(gapMs, cpuMs);
      if (blockedMs > worst.blockedMs) worst = { gapMs, cpuMs, blockedMs };
    }
    last = now;
    lastCpu = process.cpuUsage();
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return { worst, gaps };
    },
  };
}
