import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { dropPrefix } from '../../bench/support/service';
import { loadConfig } from '../config/config';
import { CatalogService, VersionEvent } from './catalog.service';
import { MigrationRecord } from './catalog.types';
import { testCollectionRecord } from './testing/collection-record';

/**
 * The catalog's write admission and re-embedding steps against the real Redis: these are the
 * Lua scripts that keep writes and a re-embedding from overlapping.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-catalog-${randomBytes(4).toString('hex')}`;

const record = testCollectionRecord;

const migration = (jobId: string, phase: MigrationRecord['phase']): MigrationRecord => ({
  jobId,
  phase,
  embedder: 'openai:m',
  dimensions: 16,
  storeName: `docs.${jobId}`,
  requestedAt: '2026-01-01T00:00:00.000Z',
});

describe('CatalogService: writes and re-embeddings', () => {
  let redis: Redis;
  let catalog: CatalogService;
  let n = 0;
  let name: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    catalog = new CatalogService(redis, loadConfig({ RAGLINE_QUEUE_PREFIX: prefix }));
  });

  beforeEach(async () => {
    name = `c${++n}`;
    await catalog.createCollection(record(name));
  });

  afterAll(async () => {
    await dropPrefix(prefix, REDIS_URL);
    await redis.quit();
  });

  it("keeps the newest submission as a document's desired state, whatever the order of the records", async () => {
    const [first, second, third] = await catalog.nextSubmissions(name, 3);
    expect([second - first, third - second]).toEqual([1, 1]);
    await catalog.recordDesired(name, new Map([['d', { seq: second, target: 'upsert:b' }]]));
    await catalog.recordDesired(name, new Map([['d', { seq: first, target: 'upsert:a' }]]));
    expect(await catalog.getDesired(name, 'd')).toEqual({ seq: second, target: 'upsert:b' });
    await catalog.recordDesired(name, new Map([['d', { seq: third, target: 'delete:x' }]]));
    expect(await catalog.getDesired(name, 'd')).toEqual({ seq: third, target: 'delete:x' });
    expect(await catalog.getDesired(name, 'absent')).toBeNull();
    // An entry written before submissions were numbered is older than any numbered one.
    await redis.hset(`${prefix}:catalog:col:{${name}}:desired`, 'legacy', 'upsert:old');
    expect(await catalog.getDesired(name, 'legacy')).toEqual({ seq: 0, target: 'upsert:old' });
    await catalog.recordDesired(name, new Map([['legacy', { seq: first, target: 'upsert:new' }]]));
    expect(await catalog.getDesired(name, 'legacy')).toEqual({ seq: first, target: 'upsert:new' });
  });

  it('admits one writer per document; the same owner is admitted again; release frees it', async () => {
    expect(await catalog.admitWrite(name, 'a.md', 'job-1', 60_000)).toBe('admitted');
    expect(await catalog.admitWrite(name, 'a.md', 'job-2', 60_000)).toBe('locked');
    expect(await catalog.admitWrite(name, 'a.md', 'job-1', 60_000)).toBe('admitted');
    expect(await catalog.admitWrite(name, 'b.md', 'job-2', 60_000)).toBe('admitted');
    expect(await catalog.activeWrites(name)).toBe(2);
    await catalog.releaseWrite(name, 'a.md', 'job-1');
    expect(await catalog.activeWrites(name)).toBe(1);
    expect(await catalog.admitWrite(name, 'a.md', 'job-3', 60_000)).toBe('admitted');
  });

  it('a queued re-embedding lets writes in; a running one holds new ones back while earlier ones finish', async () => {
    expect(await catalog.admitWrite(name, 'early.md', 'job-early', 60_000)).toBe('admitted');
    await catalog.claimMigration(name, migration('r1', 'queued'));
    expect(await catalog.admitWrite(name, 'queued.md', 'job-q', 60_000)).toBe('admitted');
    await catalog.releaseWrite(name, 'queued.md', 'job-q');

    await catalog.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
    expect(await catalog.admitWrite(name, 'late.md', 'job-late', 60_000)).toBe('migrating');
    // The write admitted before the claim is still going on, and may renew its lock.
    expect(await catalog.activeWrites(name)).toBe(1);
    await catalog.renewWrite(name, 'early.md', 'job-early', 60_000);
    expect(await catalog.activeWrites(name)).toBe(1);
    await catalog.releaseWrite(name, 'early.md', 'job-early');
    expect(await catalog.activeWrites(name)).toBe(0);

    await catalog.releaseMigration(name, 'r1');
    expect(await catalog.getMigration(name)).toBeNull();
    expect(await catalog.admitWrite(name, 'late.md', 'job-late', 60_000)).toBe('admitted');
  });

  it('a writer whose lock expired (a crashed worker) no longer counts', async () => {
    expect(await catalog.admitWrite(name, 'a.md', 'crashed', 1000)).toBe('admitted');
    expect(await catalog.activeWrites(name)).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await catalog.activeWrites(name)).toBe(0);
  });

  it('a running re-embedding that stops renewing its claim loses the collection', async () => {
    await catalog.claimMigration(name, migration('r1', 'running'), { ttlMs: 1000 });
    expect(await catalog.admitWrite(name, 'a.md', 'w1', 60_000)).toBe('migrating');
    expect(await catalog.renewMigration(name, 'r1', 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await catalog.admitWrite(name, 'a.md', 'w1', 60_000)).toBe('admitted');
    expect(await catalog.getMigration(name)).toBeNull();
    expect(await catalog.renewMigration(name, 'r1', 60_000)).toBe(false);
    await expect(
      catalog.switchCollection(record(name), { ...record(name), storeName: 'x.y' }, 'r1'),
    ).rejects.toThrow(/no longer job r1's/);
  });

  it('one re-embedding at a time: a second claim answers the first; the same job claims again', async () => {
    expect(await catalog.claimMigration(name, migration('r1', 'queued'))).toEqual(
      migration('r1', 'queued'),
    );
    expect(await catalog.claimMigration(name, migration('r2', 'queued'))).toEqual(
      migration('r1', 'queued'),
    );
    expect(await catalog.claimMigration(name, migration('r1', 'running'))).toEqual(
      migration('r1', 'running'),
    );
    await catalog.releaseMigration(name, 'r2'); // not r2's: nothing happens
    expect((await catalog.getMigration(name))?.jobId).toBe('r1');
  });

  it('the switch changes the record, ends the re-embedding and announces a new version, at once', async () => {
    const events: VersionEvent[] = [];
    const listener = redis.duplicate();
    await listener.subscribe(catalog.eventsChannel);
    listener.on('message', (_c: string, m: string) => events.push(JSON.parse(m) as VersionEvent));
    try {
      const current = record(name);
      const before = await catalog.version(name);
      await catalog.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
      const next = { ...current, embedder: 'openai:m', dimensions: 16, storeName: `${name}.r1` };
      await expect(catalog.switchCollection(current, next, 'r2')).rejects.toThrow(/no longer/);
      await expect(
        catalog.switchCollection({ ...current, dimensions: 3 }, next, 'r1'),
      ).rejects.toThrow(/changed during/);

      const version = await catalog.switchCollection(current, next, 'r1');
      expect(version).toBe(before + 1);
      expect(await catalog.getCollectionState(name)).toEqual({ record: next, version });
      expect(await catalog.getMigration(name)).toBeNull();
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toContainEqual({ type: 'version', collection: name, version });
    } finally {
      await listener.quit();
    }
  });

  it('deleting a collection ends its re-embedding record too', async () => {
    await catalog.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
    await catalog.deleteCollection(name);
    expect(await catalog.getMigration(name)).toBeNull();
    expect(await catalog.getCollectionState(name)).toBeNull();
  });
});
