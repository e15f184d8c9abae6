import { Worker } from 'node:worker_threads';
import { loopThreadCpuMs, watchLoopBlocks } from './loop-blocks';

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('watchLoopBlocks', () => {
  it('counts a stretch the loop’s own thread spends computing as a block', async () => {
    const loop = watchLoopBlocks();
    await tick();
    // Busy on the loop's thread until it has run 150 ms of its own CPU: on a shared machine a
    // spin of 150 ms of wall time can get a third of that (CI measured 50 ms).
    const cpuUntil = loopThreadCpuMs() + 150;
    const giveUpAt = performance.now() + 10_000;
    while (loopThreadCpuMs() < cpuUntil && performance.now() < giveUpAt) {
      // busy
    }
    await tick();
    const { worst } = loop.stop();
    // A thread's CPU time moves in 10 ms ticks, so "150 ms" is 140-150 ms of it.
    expect(worst.gapMs).toBeGreaterThanOrEqual(135);
    expect(worst.blockedMs).toBeGreaterThanOrEqual(120);
  });

  it('does not count another thread’s CPU while the loop waits without running', async () => {
    const spinner = new Worker('const end = Date.now() + 1500; while (Date.now() < end) {} ', {
      eval: true,
    });
    try {
      await tick();
      const loop = watchLoopBlocks();
      await tick();
      // The loop's thread sleeps 300 ms (no CPU) while the worker spins.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      await tick();
      const { worst, gaps } = loop.stop();
      expect(gaps).toBeGreaterThanOrEqual(1);
      // The whole process ran about 300 ms of CPU in that gap (the worker): none of it counts.
      expect(worst.blockedMs).toBeLessThan(100);
    } finally {
      await spinner.terminate();
    }
  });
});
