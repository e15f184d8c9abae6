import Redis from 'ioredis';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';
import { loadConfig } from '../config/config';
import { DocumentBodies } from './document-bodies';

describe('DocumentBodies (real Redis)', () => {
  const prefix = uniquePrefix('bodies');
  const redis = new Redis(REDIS_URL);
  const bodies = new DocumentBodies(
    redis,
    loadConfig({
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_BODY_BY_REFERENCE_BYTES: '16',
      RAGLINE_KEEP_FAILED_SECONDS: '3600',
    }),
  );

  afterAll(async () => {
    await dropPrefix(prefix, REDIS_URL);
    await redis.quit();
  });

  it('keeps small bodies inline and references larger ones by job id', () => {
    expect(bodies.referenceFor('ingest-1', 'sixteen bytes!!!')).toBeNull();
    // 'é' is two bytes: 9 characters, 18 bytes
    expect(bodies.referenceFor('ingest-1', 'ééééééééé')).toEqual({
      key: `${prefix}:body:ingest-1`,
      bytes: 18,
      preview: 'ééééééééé',
    });
    const long = 'x'.repeat(1000);
    expect(bodies.referenceFor('ingest-2', long)?.preview).toHaveLength(160);
  });

  it('stores once, renews the lifetime on each read, and removes', async () => {
    const content = 'a large document body '.repeat(10);
    const ref = bodies.referenceFor('ingest-3', content);
    if (!ref) throw new Error('expected a reference');
    await bodies.store([{ ref, content }]);
    // lifetime: the failed-job retention plus a day
    expect(bodies.lifetimeSeconds).toBe(3600 + 86400);
    await redis.expire(ref.key, 10);
    expect(await bodies.read(ref)).toBe(content);
    expect(await redis.ttl(ref.key)).toBeGreaterThan(3600);
    await bodies.remove(ref);
    expect(await bodies.read(ref)).toBeNull();
    expect(await redis.exists(ref.key)).toBe(0);
  });
});
