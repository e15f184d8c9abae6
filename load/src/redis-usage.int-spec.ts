import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisWatch } from './redis-usage';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisWatch (real Redis)', () => {
  it('counts the commands sent over its span', async () => {
    const client = new Redis(REDIS_URL);
    const key = `redis-usage-spec-${randomBytes(4).toString('hex')}`;
    try {
      const watch = RedisWatch.open(REDIS_URL);
      await watch.restart();
      for (let i = 0; i < 200; i++) await client.incr(key);
      const usage = await watch.stop();
      // The 200 INCRs, its own INFO and whatever else this Redis served meanwhile.
      expect(usage?.commands).toBeGreaterThanOrEqual(200);
      expect(usage).toEqual(expect.objectContaining({ percent: expect.any(Number) }));
    } finally {
      await client.del(key);
      client.disconnect();
    }
  });

  it('leaves the figures unmeasured when Redis cannot be reached', async () => {
    const watch = RedisWatch.open('redis://127.0.0.1:1');
    await expect(watch.stop()).resolves.toBeUndefined();
  });
});
