import Redis from 'ioredis';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { loadConfig } from '../config/config';
import { MigrationRecord } from './catalog.types';
import { CollectionRecords, VersionEvent } from './collection-records';
import { MigrationClaims } from './migration-claims';
import { testCollectionRecord } from './testing/collection-record';
import { WriteAdmissions } from './write-admission';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

/**
 * Re-embedding claims against the real Redis, with the writes they hold back: these are the
 * Lua scripts that keep writes and a re-embedding from overlapping.
 */
const prefix = uniquePrefix('migrations');

const record = testCollectionRecord;

const migration = (jobId: string, phase: MigrationRecord['phase']): MigrationRecord => ({
  jobId,
  phase,
  embedder: 'openai:m',
  dimensions: 16,
  storeName: `docs.${jobId}`,
  requestedAt: '2026-01-01T00:00:00.000Z',
});

describe('MigrationClaims: re-embeddings and the writes they hold back', () => {
  let redis: Redis;
  let collectionRecords: CollectionRecords;
  let writeAdmissions: WriteAdmissions;
  let migrationClaims: MigrationClaims;
  let n = 0;
  let name: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    const config = loadConfig({ RAGLINE_QUEUE_PREFIX: prefix });
    collectionRecords = new CollectionRecords(redis, config);
    writeAdmissions = new WriteAdmissions(redis, config);
    migrationClaims = new MigrationClaims(redis, config);
  });

  beforeEach(async () => {
    name = `c${++n}`;
    await collectionRecords.createCollection(record(name));
  });

  afterAll(async () => {
    await dropPrefix(prefix, REDIS_URL);
    await redis.quit();
  });

  it('a queued re-embedding lets writes in; a running one holds new ones back while earlier ones finish', async () => {
    expect(await writeAdmissions.admitWrite(name, 'early.md', 'job-early', 60_000)).toBe(
      'admitted',
    );
    await migrationClaims.claimMigration(name, migration('r1', 'queued'));
    expect(await writeAdmissions.admitWrite(name, 'queued.md', 'job-q', 60_000)).toBe('admitted');
    await writeAdmissions.releaseWrite(name, 'queued.md', 'job-q');

    await migrationClaims.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
    expect(await writeAdmissions.admitWrite(name, 'late.md', 'job-late', 60_000)).toBe('migrating');
    // The write admitted before the claim is still going on, and may renew its lock.
    expect(await writeAdmissions.activeWrites(name)).toBe(1);
    await writeAdmissions.renewWrite(name, 'early.md', 'job-early', 60_000);
    expect(await writeAdmissions.activeWrites(name)).toBe(1);
    await writeAdmissions.releaseWrite(name, 'early.md', 'job-early');
    expect(await writeAdmissions.activeWrites(name)).toBe(0);

    await migrationClaims.releaseMigration(name, 'r1');
    expect(await migrationClaims.getMigration(name)).toBeNull();
    expect(await writeAdmissions.admitWrite(name, 'late.md', 'job-late', 60_000)).toBe('admitted');
  });

  it('a running re-embedding that stops renewing its claim loses the collection', async () => {
    await migrationClaims.claimMigration(name, migration('r1', 'running'), { ttlMs: 1000 });
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'w1', 60_000)).toBe('migrating');
    expect(await migrationClaims.renewMigration(name, 'r1', 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'w1', 60_000)).toBe('admitted');
    expect(await migrationClaims.getMigration(name)).toBeNull();
    expect(await migrationClaims.renewMigration(name, 'r1', 60_000)).toBe(false);
    await expect(
      migrationClaims.switchCollection(record(name), { ...record(name), storeName: 'x.y' }, 'r1'),
    ).rejects.toThrow(/no longer job r1's/);
  });

  it('one re-embedding at a time: a second claim answers the first; the same job claims again', async () => {
    expect(await migrationClaims.claimMigration(name, migration('r1', 'queued'))).toEqual(
      migration('r1', 'queued'),
    );
    expect(await migrationClaims.claimMigration(name, migration('r2', 'queued'))).toEqual(
      migration('r1', 'queued'),
    );
    expect(await migrationClaims.claimMigration(name, migration('r1', 'running'))).toEqual(
      migration('r1', 'running'),
    );
    await migrationClaims.releaseMigration(name, 'r2'); // not r2's: nothing happens
    expect((await migrationClaims.getMigration(name))?.jobId).toBe('r1');
  });

  it('the switch changes the record, ends the re-embedding and announces a new version, at once', async () => {
    const events: VersionEvent[] = [];
    const listener = redis.duplicate();
    await listener.subscribe(collectionRecords.eventsChannel);
    listener.on('message', (_c: string, m: string) => events.push(JSON.parse(m) as VersionEvent));
    try {
      const current = record(name);
      const before = await collectionRecords.version(name);
      await migrationClaims.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
      const next = { ...current, embedder: 'openai:m', dimensions: 16, storeName: `${name}.r1` };
      await expect(migrationClaims.switchCollection(current, next, 'r2')).rejects.toThrow(
        /no longer/,
      );
      await expect(
        migrationClaims.switchCollection({ ...current, dimensions: 3 }, next, 'r1'),
      ).rejects.toThrow(/changed during/);

      const version = await migrationClaims.switchCollection(current, next, 'r1');
      expect(version).toBe(before + 1);
      expect(await collectionRecords.getCollectionState(name)).toEqual({ record: next, version });
      expect(await migrationClaims.getMigration(name)).toBeNull();
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toContainEqual({ type: 'version', collection: name, version });
    } finally {
      await listener.quit();
    }
  });

  it('deleting a collection ends its re-embedding record too', async () => {
    await migrationClaims.claimMigration(name, migration('r1', 'running'), { ttlMs: 60_000 });
    await collectionRecords.deleteCollection(name);
    expect(await migrationClaims.getMigration(name)).toBeNull();
    expect(await collectionRecords.getCollectionState(name)).toBeNull();
  });
});
