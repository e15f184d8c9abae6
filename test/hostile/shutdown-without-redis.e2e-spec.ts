import { PrivateRedis } from '../../src/redis/testing/private-redis';
import { http, tempDataDir, uniquePrefix } from '../support/app-harness';
import { freePort, ServiceProcess, spawnService, waitFor } from '../support/processes';

const SHUTDOWN_TIMEOUT_MS = 2000;

/**
 * Issue 14, item 8: SIGTERM must stop the process within its shutdown timeout even when Redis
 * is gone (closing the queues would otherwise wait for a reconnect that never comes).
 */
describe('SIGTERM while Redis is down (private redis-server, real process)', () => {
  let redis: PrivateRedis;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await redis?.destroy();
  });

  it('exits within the shutdown timeout (plus its close allowance)', async () => {
    const port = await freePort();
    service = spawnService({
      PORT: String(port),
      REDIS_URL: redis.url,
      RAGLINE_QUEUE_PREFIX: uniquePrefix('term-noredis'),
      RAGLINE_DATA_DIR: tempDataDir('term-noredis'),
      RAGLINE_EMBED_POOL_SIZE: '1',
      RAGLINE_OPTIMIZER: 'false',
      RAGLINE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      () =>
        http(base, 'GET', '/v1/health/ready').then(
          (r) => r.status === 200,
          () => false,
        ),
      'the service to be ready',
      90_000,
      200,
    );
    await redis.stop('SIGKILL');
    // Long enough for every connection to notice and start its reconnect loop.
    await new Promise((r) => setTimeout(r, 1000));
    const exited = new Promise<number>((resolve) =>
      service?.child.once('exit', () => resolve(Date.now())),
    );
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const limitMs = SHUTDOWN_TIMEOUT_MS + 2000 + 3000;
    const exitedAt = await Promise.race([
      exited,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), limitMs)),
    ]);
    const tookMs = exitedAt < 0 ? -1 : exitedAt - signalledAt;
    console.log(`SIGTERM with Redis down: exit after ${tookMs < 0 ? `> ${limitMs}` : tookMs} ms`);
    expect(exitedAt).toBeGreaterThan(0);
  });
});
