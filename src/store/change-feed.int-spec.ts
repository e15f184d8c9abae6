import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { ChangeFeed, compareIds } from './change-feed';
import { REDIS_URL } from '../redis/testing/shared-redis';

describe('ChangeFeed (real Redis)', () => {
  const prefix = `test-feed-${randomUUID()}`;
  let redis: Redis;
  let feed: ChangeFeed;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    feed = new ChangeFeed(redis, prefix);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('gives the entries after a position, in order, with their ids', async () => {
    const start = await feed.head('c1');
    expect(start).toBe('0-0');
    await feed.record('c1', { upserted: ['a', 'b'] });
    const middle = await feed.head('c1');
    await feed.record('c1', { removed: ['a'] });
    await feed.recordReset('c1');
    const all = await feed.readAfter('c1', start);
    expect(all).not.toBe('gap');
    const entries = all as Exclude<typeof all, 'gap'>;
    expect(entries.map((e) => [e.upserted, e.removed, e.reset])).toEqual([
      [['a', 'b'], [], false],
      [[], ['a'], false],
      [[], [], true],
    ]);
    const after = await feed.readAfter('c1', middle);
    expect((after as typeof entries).map((e) => e.removed)).toEqual([['a'], []]);
  });

  it('says a reader must reload when entries it had not read were trimmed away', async () => {
    await feed.record('c2', { upserted: ['x'] });
    const old = await feed.head('c2');
    await feed.record('c2', { upserted: ['y'] });
    await feed.record('c2', { upserted: ['z'] });
    // Trim to the newest entry: the reader at `old` has missed 'y'.
    await redis.xtrim(feed.key('c2'), 'MAXLEN', 1);
    expect(await feed.readAfter('c2', old)).toBe('gap');
    expect(await feed.readAfter('c2', await feed.head('c2'))).toEqual([]);
  });

  it('orders stream ids numerically', () => {
    expect(compareIds('9-0', '10-0')).toBe(-1);
    expect(compareIds('10-2', '10-10')).toBe(-1);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });
});
