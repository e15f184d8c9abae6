import { threadCpuSeconds, ThreadCpuTotal } from './thread-cpu';

describe('threadCpuSeconds', () => {
  const linux = process.platform === 'linux' ? it : it.skip;

  linux(
    "reads a live thread's CPU time, which grows as it works (the main thread's id is the pid)",
    () => {
      const before = threadCpuSeconds(process.pid) as number;
      expect(before).toBeGreaterThanOrEqual(0);
      // Spin until the reading moves on by a few clock ticks; on a busy machine the thread may be
      // off the CPU for much of the wall time, so the give-up time is generous.
      const giveUpAt = performance.now() + 10_000;
      let now = before;
      while (now < before + 0.05 && performance.now() < giveUpAt) {
        now = threadCpuSeconds(process.pid) as number;
      }
      expect(now).toBeGreaterThanOrEqual(before + 0.05);
    },
  );

  it('is undefined for a thread that is not there', () => {
    expect(threadCpuSeconds(2 ** 30)).toBeUndefined();
  });
});

describe('ThreadCpuTotal', () => {
  it('is undefined until a thread is added, then sums the threads', () => {
    const total = new ThreadCpuTotal();
    expect(total.seconds(() => 1)).toBeUndefined();
    total.add(11);
    total.add(12);
    total.add(12);
    expect(total.threads).toBe(2);
    expect(total.seconds((tid) => (tid === 11 ? 1.5 : 2))).toBe(3.5);
  });

  it('keeps counting an ended thread at the last time read from it, so it never goes down', () => {
    const total = new ThreadCpuTotal();
    const times = new Map([
      [1, 4],
      [2, 3],
    ]);
    total.add(1);
    total.add(2);
    expect(total.seconds((tid) => times.get(tid))).toBe(7);
    times.delete(1); // thread 1 ended; its replacement starts from zero
    times.set(3, 0.5);
    total.add(3);
    expect(total.seconds((tid) => times.get(tid))).toBe(7.5);
    expect(total.threads).toBe(2);
  });
});
