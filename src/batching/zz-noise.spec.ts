import { AdaptiveBatcher, type BatchReport } from './index';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
function lcg(seed: number): () => number { let x = seed >>> 0; return () => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x / 2 ** 32; }; }
const cost = (n: number): number => 20 + 0.1 * n + 0.05 * n * n;
test('noise', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
  for (const noise of [0.1, 0.2, 0.3]) for (const seed of [1, 2, 3, 4, 5]) for (const start of [4, 128]) {
    const rnd = lcg(seed);
    const reports: BatchReport[] = [];
    const b = new AdaptiveBatcher<number, number>({ name: 'n', run: async (items) => { await sleep(Math.round(cost(items.length) * (1 + noise * (2 * rnd() - 1)))); return items; },
      minSize: 1, maxSize: 256, initialSize: start, maxWaitMs: 5, latencyTargetMs: 100000, onBatch: (r) => reports.push(r) });
    let stop = false; let n = 0;
    for (let c = 0; c < 512; c++) void (async () => { while (!stop) await b.submit(n++); })();
    await jest.advanceTimersByTimeAsync(60_000);
    const full = reports.filter((r) => r.full).slice(-300);
    const eff = full.reduce((s, r) => s + r.target / cost(r.target), 0) / full.length / (20 / cost(20));
    const counts = new Map<number, number>(); full.forEach((r) => counts.set(r.target, (counts.get(r.target) ?? 0) + 1));
    console.log(`noise ${noise} seed ${seed} start ${start}: eff ${eff.toFixed(3)} targets ${JSON.stringify([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4))}`);
    stop = true; const c = b.close(); await jest.advanceTimersByTimeAsync(60_000); await c;
  }
});
