import Redis, { Command } from 'ioredis';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { loadConfig } from '../config/config';
import { keySlot } from '../redis/keys';
import { CollectionRecords } from './collection-records';
import { DocumentRecords } from './document-records';
import { MigrationClaims } from './migration-claims';
import { testCollectionRecord } from './testing/collection-record';
import { WriteAdmissions } from './write-admission';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

/**
 * A Redis Cluster runs a Lua script or a MULTI only when all of its keys are in one slot. Every
 * catalog operation runs here against the real Redis while each command sent is recorded with
 * its keys (as ioredis computes them to route it on a cluster); every script and every
 * transaction must name keys of a single slot.
 */
const prefix = uniquePrefix('slots');

interface Sent {
  name: string;
  keys: string[];
}

describe('The catalog repositories on a Redis Cluster: one slot per script and per transaction', () => {
  let redis: Redis;
  let collectionRecords: CollectionRecords;
  let documentRecords: DocumentRecords;
  let writeAdmissions: WriteAdmissions;
  let migrationClaims: MigrationClaims;
  const sent: Sent[] = [];

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    const send = redis.sendCommand.bind(redis);
    jest.spyOn(redis, 'sendCommand').mockImplementation((command: Command, stream) => {
      sent.push({ name: command.name, keys: command.getKeys().map(String) });
      return send(command, stream);
    });
    const config = loadConfig({ RAGLINE_QUEUE_PREFIX: prefix });
    collectionRecords = new CollectionRecords(redis, config);
    documentRecords = new DocumentRecords(redis, config);
    writeAdmissions = new WriteAdmissions(redis, config);
    migrationClaims = new MigrationClaims(redis, config);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await dropPrefix(prefix, REDIS_URL);
    await redis.quit();
  });

  it('keeps the keys of every script and transaction of every operation in one slot', async () => {
    // A record left by a release that kept all records in one hash: moved at start.
    await redis.hset(
      `${prefix}:catalog:collections`,
      'old',
      JSON.stringify(testCollectionRecord('old')),
    );
    await collectionRecords.onModuleInit();
    const current = testCollectionRecord('docs');
    await collectionRecords.createCollection(current);
    await collectionRecords.updateCollection(current);
    await collectionRecords.setSearchTuning('docs', null);
    await collectionRecords.getCollectionState('docs');
    await collectionRecords.listCollections();
    const [seq] = await writeAdmissions.nextSubmissions('docs', 1);
    await writeAdmissions.recordDesired('docs', new Map([['a.md', { seq, target: 'upsert:h' }]]));
    expect(await writeAdmissions.admitWrite('docs', 'a.md', 'job-1', 5000)).toBe('admitted');
    await writeAdmissions.renewWrite('docs', 'a.md', 'job-1', 5000);
    await writeAdmissions.activeWrites('docs');
    await writeAdmissions.releaseWrite('docs', 'a.md', 'job-1');
    await documentRecords.putDocument('docs', {
      id: 'a.md',
      format: 'markdown',
      contentHash: 'h',
      chunks: 1,
      metadata: {},
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect((await documentRecords.listDocuments('docs', null, 10)).documents).toHaveLength(1);
    await documentRecords.removeDocument('docs', 'a.md');
    const migration = {
      jobId: 'm-1',
      phase: 'running' as const,
      embedder: 'openai:m',
      dimensions: 16,
      storeName: 'docs.m1',
      requestedAt: '2026-01-01T00:00:00.000Z',
    };
    await migrationClaims.claimMigration('docs', migration, { ttlMs: 5000 });
    await migrationClaims.renewMigration('docs', 'm-1', 5000);
    const next = { ...current, embedder: 'openai:m', dimensions: 16 };
    const stored = (await collectionRecords.getCollection('docs'))!;
    expect(await migrationClaims.switchCollection(stored, next, 'm-1')).toBeGreaterThan(0);
    await migrationClaims.claimMigration('docs', { ...migration, jobId: 'm-2' });
    await migrationClaims.releaseMigration('docs', 'm-2');
    await collectionRecords.deleteCollection('docs');
    expect((await collectionRecords.listCollections()).map((c) => c.name)).toEqual(['old']);

    const scripts = sent.filter((c) => c.name === 'eval' || c.name === 'evalsha');
    expect(scripts.length).toBeGreaterThanOrEqual(10);
    const transactions: Sent[][] = [];
    let open: Sent[] | null = null;
    for (const command of sent) {
      if (command.name === 'multi') open = [];
      else if (command.name === 'exec') {
        if (open) transactions.push(open);
        open = null;
      } else open?.push(command);
    }
    expect(transactions.length).toBeGreaterThanOrEqual(3);
    const groups = [
      ...scripts.map((s) => s.keys),
      ...transactions.map((t) => t.flatMap((c) => c.keys)),
    ];
    for (const keys of groups) {
      expect(keys.length).toBeGreaterThan(0);
      expect({ keys, slots: new Set(keys.map(keySlot)).size }).toEqual({ keys, slots: 1 });
    }
  });
});
