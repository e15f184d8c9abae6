import { HostPoliteness, retryAfterMs } from './host-politeness';

describe('HostPoliteness', () => {
  it('keeps at most `concurrency` requests in flight per host, starts spaced by the delay', async () => {
    const polite = new HostPoliteness({ concurrency: 2, minDelayMs: 30 });
    let active = 0;
    let most = 0;
    const starts: number[] = [];
    const task = () =>
      polite.run('a.test', async () => {
        starts.push(Date.now());
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 50));
        active--;
      });
    // Another host is not held up by the first one's queue.
    const t0 = Date.now();
    const other = polite.run('b.test', async () => Date.now() - t0);
    await Promise.all([task(), task(), task(), task()]);
    expect(most).toBe(2);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(29);
    }
    expect(await other).toBeLessThan(25);
  });

  it('starts nothing on a host before its back-off has passed', async () => {
    const polite = new HostPoliteness({ concurrency: 4, minDelayMs: 0 });
    polite.backOff('a.test', 120);
    const t0 = Date.now();
    await polite.run('a.test', async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
  });

  it('reads Retry-After in seconds or as a date, capped', () => {
    expect(retryAfterMs('3', 1000)).toBe(3000);
    expect(retryAfterMs(undefined, 1000)).toBe(1000);
    expect(retryAfterMs('soon', 1000)).toBe(1000);
    expect(retryAfterMs('99999', 1000, 60_000)).toBe(60_000);
    const inTwo = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwo, 1000)).toBeGreaterThan(500);
  });
});
