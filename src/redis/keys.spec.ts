import {
  collectionKey,
  configuredQueuePrefix,
  hashTag,
  keySlot,
  prefixPatterns,
  queuePrefix,
} from './keys';

/** Key suffixes BullMQ 5 uses under `<prefix>:<queue>:` (its scripts touch several at once). */
const BULLMQ_SUFFIXES = [
  'wait',
  'paused',
  'meta',
  'active',
  'id',
  'delayed',
  'prioritized',
  'completed',
  'failed',
  'stalled',
  'events',
  'marker',
  'pc',
  'limiter',
  'de',
  'job-123',
  'job-123:lock',
  'job-123:logs',
];

describe('Redis key naming', () => {
  it("computes slots with Redis Cluster's CRC16, honouring the first hash tag", () => {
    // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(0x31c3 & 0x3fff);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{}.a')).not.toBe(keySlot('{}.b')); // an empty tag is no tag
  });

  it('puts every key of a collection in its slot, and spreads collections', () => {
    const parts = ['record', 'version', 'docs', 'desired', 'migration', 'writers', 'seq'];
    const slot = keySlot(collectionKey('ragline', 'docs', 'record'));
    for (const part of [...parts, 'lock:readme.md', 'changes'])
      expect(keySlot(collectionKey('ragline', 'docs', part))).toBe(slot);
    const slots = new Set(
      ['docs', 'faq', 'papers', 'wiki', 'tickets'].map((c) =>
        keySlot(collectionKey('ragline', c, 'record')),
      ),
    );
    expect(slots.size).toBe(5);
  });

  it('keeps the catalog layout of earlier releases', () => {
    expect(collectionKey('ragline', 'docs', 'version')).toBe('ragline:catalog:col:{docs}:version');
  });

  it('gives each queue its own slot on a cluster, and keeps single-node names', () => {
    const queues = ['ingest', 'search', 'reembed', 'tune'];
    const slots = queues.map((queue) => {
      const prefix = queuePrefix('ragline', queue, true);
      const keys = BULLMQ_SUFFIXES.map((suffix) => `${prefix}:${queue}:${suffix}`);
      const slot = keySlot(keys[0]);
      for (const key of keys) expect({ key, slot: keySlot(key) }).toEqual({ key, slot });
      return slot;
    });
    expect(new Set(slots).size).toBe(queues.length);
    expect(queuePrefix('ragline', 'ingest', false)).toBe('ragline');
    expect(configuredQueuePrefix({ prefix: 'p', redisUrl: 'redis://h:1' }, 'ingest')).toBe('p');
    expect(
      configuredQueuePrefix({ prefix: 'p', redisUrl: 'redis+cluster://h:1,h:2' }, 'ingest'),
    ).toBe('{p:ingest}');
  });

  it('refuses a tag holding braces, and matches tagged and plain keys when dropping a prefix', () => {
    expect(() => hashTag('a}b')).toThrow(/braces/);
    expect(prefixPatterns('t-1')).toEqual(['t-1:*', '{t-1:*']);
  });
});
