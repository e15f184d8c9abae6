import type Redis from 'ioredis';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dropPrefix } from '../../redis/testing/drop-prefix';
import { REDIS_URL, uniquePrefix } from '../../redis/testing/shared-redis';
import { createCommandConnection } from '../../redis/redis-connection';
import { FetchAllowlist } from './address-policy';
import { FleetPoliteness } from './fleet-politeness';
import { HostPoliteness, type Politeness } from './host-politeness';
import { SafeFetcher } from './safe-fetcher';

describe('FleetPoliteness (two workers, two Redis connections, one real host on 127.0.0.1)', () => {
  const prefix = uniquePrefix('politeness');
  const clients: Redis[] = [];
  let server: Server;
  let host: string;
  /** Arrival time of each request at the server, and the most it had in flight at once. */
  let arrivals: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let answerAfterMs = 0;

  const fetcher = new SafeFetcher({
    allow: new FetchAllowlist(['127.0.0.1/32']),
    userAgent: 'ragline-test/1',
    timeoutMs: 10_000,
    maxBytes: 10_000,
  });

  const client = async () => {
    const c = createCommandConnection(REDIS_URL, 'politeness-spec');
    clients.push(c);
    await new Promise((ready) => c.once('ready', ready));
    return c;
  };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      arrivals.push(performance.now());
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, answerAfterMs);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    arrivals = [];
    mostInFlight = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dropPrefix(prefix, REDIS_URL);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  });

  /** When each fetch was let start (inside its politeness slot). */
  let starts: number[] = [];

  /** `perWorker` fetches from each worker at once, every one through its worker's politeness. */
  async function fetchFromBoth(workers: Politeness[], perWorker: number): Promise<void> {
    starts = [];
    await Promise.all(
      workers.flatMap((w) =>
        Array.from({ length: perWorker }, () =>
          w.run(host, () => {
            starts.push(performance.now());
            return fetcher.fetch({ url: `http://${host}/page` });
          }),
        ),
      ),
    );
  }

  const gaps = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    return sorted.slice(1).map((t, i) => t - sorted[i]);
  };

  const fleet = async (
    label: string,
    opts: Partial<ConstructorParameters<typeof FleetPoliteness>[1]>,
  ) =>
    new FleetPoliteness(await client(), {
      prefix: `${prefix}-${label}`,
      concurrency: 2,
      minDelayMs: 0,
      leaseMs: 30_000,
      ...opts,
    });

  it('spaces request starts by the min delay across both workers', async () => {
    answerAfterMs = 5;
    const minDelayMs = 80;
    const workers = [await fleet('delay', { minDelayMs }), await fleet('delay', { minDelayMs })];
    await fetchFromBoth(workers, 5);
    expect(arrivals).toHaveLength(10);
    // Slots are granted by Redis time; a grant's reply may reach its worker late on a busy
    // machine (seen: 20 ms), which shortens one gap and lengthens the next. So: the whole run
    // spans every gap, and no two requests come close to starting together (the control's do).
    const started = gaps(starts);
    const span = (times: number[]) => Math.max(...times) - Math.min(...times);
    expect(span(starts)).toBeGreaterThanOrEqual(9 * minDelayMs - 30);
    expect(Math.min(...started)).toBeGreaterThanOrEqual(minDelayMs / 2);
    // At the server, connection set-up on a busy machine shifts arrivals more (seen: one gap of
    // 39 ms in the full suite); uncoordinated requests still arrive within a few ms of each other.
    const arrived = gaps(arrivals);
    expect(span(arrivals)).toBeGreaterThanOrEqual(9 * minDelayMs - 60);
    expect(Math.min(...arrived)).toBeGreaterThanOrEqual(minDelayMs / 4);
    const show = (g: number[]) => g.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `fleet politeness (min delay ${minDelayMs} ms): gaps between starts ${show(started)}; between arrivals ${show(arrived)}`,
    );
  });

  it('(control) two per-process limiters do not: their requests start together', async () => {
    answerAfterMs = 5;
    const local = () => new HostPoliteness({ concurrency: 2, minDelayMs: 80 });
    await fetchFromBoth([local(), local()], 2);
    expect(Math.min(...gaps(starts))).toBeLessThan(40);
    expect(Math.min(...gaps(arrivals))).toBeLessThan(20);
  });

  it('keeps at most `concurrency` requests in flight to the host across both workers', async () => {
    answerAfterMs = 120;
    const workers = [await fleet('slots', {}), await fleet('slots', {})];
    const t0 = performance.now();
    await fetchFromBoth(workers, 3);
    expect(arrivals).toHaveLength(6);
    expect(mostInFlight).toBe(2);
    // Six requests, two at a time, 120 ms each.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 120 - 10);
  });

  it("honours one worker's back-off (429/503 Retry-After) in the other", async () => {
    answerAfterMs = 0;
    const [a, b] = [await fleet('backoff', {}), await fleet('backoff', {})];
    const t0 = performance.now();
    await a.backOff(host, 400);
    await b.run(host, () => fetcher.fetch({ url: `http://${host}/page` }));
    expect(arrivals[0] - t0).toBeGreaterThanOrEqual(390);
  });

  it('renews the slot of a fetch that runs longer than the lease', async () => {
    answerAfterMs = 700;
    const [a, b] = [
      await fleet('renew', { concurrency: 1, leaseMs: 300 }),
      await fleet('renew', { concurrency: 1, leaseMs: 300 }),
    ];
    const t0 = performance.now();
    const first = a.run(host, () => fetcher.fetch({ url: `http://${host}/page` }));
    await new Promise((r) => setTimeout(r, 20));
    await b.run(host, () => fetcher.fetch({ url: `http://${host}/page` }));
    await first;
    // The second request started only once the first (700 ms, over two leases) had ended.
    expect(mostInFlight).toBe(1);
    expect(arrivals[1] - t0).toBeGreaterThanOrEqual(680);
  });

  it("frees a dead worker's slot when its lease ends", async () => {
    answerAfterMs = 0;
    const deadRedis = await client();
    const dead = new FleetPoliteness(deadRedis, {
      prefix: `${prefix}-lease`,
      concurrency: 1,
      minDelayMs: 0,
      leaseMs: 300,
    });
    const alive = await fleet('lease', { concurrency: 1, leaseMs: 300 });
    let release = () => undefined as void;
    // Takes its slot, then its process dies (its connection goes, nothing renews or frees it).
    void dead.run(host, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 20));
    deadRedis.disconnect();
    const t0 = performance.now();
    await alive.run(host, () => fetcher.fetch({ url: `http://${host}/page` }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    release();
  });
});
