import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelCpuWatch, parseModelCpuSeconds } from './model-cpu';
import { modelShareOfService } from './summary';

describe('parseModelCpuSeconds', () => {
  it('sums the counter over embedders and ignores every other metric', () => {
    const text = [
      '# HELP ragline_model_cpu_seconds_total CPU time of the embedding model',
      '# TYPE ragline_model_cpu_seconds_total counter',
      'ragline_model_cpu_seconds_total{embedder="use-lite"} 12.5',
      'ragline_model_cpu_seconds_total{embedder="other"} 0.25',
      'ragline_process_cpu_seconds_total 40',
    ].join('\n');
    expect(parseModelCpuSeconds(text)).toBe(12.75);
  });

  it('is undefined when the service exports none (a remote embedder, not Linux)', () => {
    expect(parseModelCpuSeconds('ragline_process_cpu_seconds_total 40\n')).toBeUndefined();
  });
});

describe('ModelCpuWatch', () => {
  let server: Server;
  let url: string;
  let counter = 10;
  let up = true;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (!up || req.url !== '/metrics') return void res.writeHead(503).end();
      res.end(`ragline_model_cpu_seconds_total{embedder="use-lite"} ${counter}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("reports the model's CPU between restart and stop, over the wall time between the reads", async () => {
    counter = 10;
    up = true;
    const watch = new ModelCpuWatch(url);
    counter = 20; // work before the span starts does not count
    watch.restart();
    await new Promise((r) => setTimeout(r, 200));
    counter = 20.3;
    const usage = await watch.stop();
    expect(usage?.seconds).toBe(0.3);
    expect(usage?.wallSeconds).toBeGreaterThanOrEqual(0.2);
    expect(usage?.percent).toBeGreaterThan(0);
    expect(usage?.percent).toBeLessThanOrEqual(150);
  });

  it('leaves the figure unmeasured when a scrape fails', async () => {
    up = true;
    const watch = new ModelCpuWatch(url);
    up = false;
    await expect(watch.stop()).resolves.toBeUndefined();
  });
});

describe('modelShareOfService', () => {
  it("is the model's CPU seconds as a percentage of the service's over the same span", () => {
    const span = { wallSeconds: 20 };
    expect(
      modelShareOfService(
        { ...span, seconds: 15, percent: 75 },
        { ...span, seconds: 20, percent: 100 },
      ),
    ).toBe(75);
    expect(modelShareOfService(undefined, { ...span, seconds: 20, percent: 100 })).toBeUndefined();
  });
});
