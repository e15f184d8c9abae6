import Redis from 'ioredis';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { loadConfig } from '../config/config';
import { CollectionRecords } from './collection-records';
import { testCollectionRecord } from './testing/collection-record';
import { WriteAdmissions } from './write-admission';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';

/**
 * The order and admission of writes against the real Redis: these are the Lua scripts that
 * make the latest submission of a document win and keep two writes of one document apart.
 */
const prefix = uniquePrefix('writes');

const record = testCollectionRecord;

describe('WriteAdmissions: submission order and per-document locks', () => {
  let redis: Redis;
  let collectionRecords: CollectionRecords;
  let writeAdmissions: WriteAdmissions;
  let n = 0;
  let name: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    const config = loadConfig({ RAGLINE_QUEUE_PREFIX: prefix });
    collectionRecords = new CollectionRecords(redis, config);
    writeAdmissions = new WriteAdmissions(redis, config);
  });

  beforeEach(async () => {
    name = `c${++n}`;
    await collectionRecords.createCollection(record(name));
  });

  afterAll(async () => {
    await dropPrefix(prefix, REDIS_URL);
    await redis.quit();
  });

  it("keeps the newest submission as a document's desired state, whatever the order of the records", async () => {
    const [first, second, third] = await writeAdmissions.nextSubmissions(name, 3);
    expect([second - first, third - second]).toEqual([1, 1]);
    await writeAdmissions.recordDesired(
      name,
      new Map([['d', { seq: second, target: 'upsert:b' }]]),
    );
    await writeAdmissions.recordDesired(name, new Map([['d', { seq: first, target: 'upsert:a' }]]));
    expect(await writeAdmissions.getDesired(name, 'd')).toEqual({
      seq: second,
      target: 'upsert:b',
    });
    await writeAdmissions.recordDesired(name, new Map([['d', { seq: third, target: 'delete:x' }]]));
    expect(await writeAdmissions.getDesired(name, 'd')).toEqual({ seq: third, target: 'delete:x' });
    expect(await writeAdmissions.getDesired(name, 'absent')).toBeNull();
    // An entry written before submissions were numbered is older than any numbered one.
    await redis.hset(`${prefix}:catalog:col:{${name}}:desired`, 'legacy', 'upsert:old');
    expect(await writeAdmissions.getDesired(name, 'legacy')).toEqual({
      seq: 0,
      target: 'upsert:old',
    });
    await writeAdmissions.recordDesired(
      name,
      new Map([['legacy', { seq: first, target: 'upsert:new' }]]),
    );
    expect(await writeAdmissions.getDesired(name, 'legacy')).toEqual({
      seq: first,
      target: 'upsert:new',
    });
  });

  it('admits one writer per document; the same owner is admitted again; release frees it', async () => {
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'job-1', 60_000)).toBe('admitted');
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'job-2', 60_000)).toBe('locked');
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'job-1', 60_000)).toBe('admitted');
    expect(await writeAdmissions.admitWrite(name, 'b.md', 'job-2', 60_000)).toBe('admitted');
    expect(await writeAdmissions.activeWrites(name)).toBe(2);
    await writeAdmissions.releaseWrite(name, 'a.md', 'job-1');
    expect(await writeAdmissions.activeWrites(name)).toBe(1);
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'job-3', 60_000)).toBe('admitted');
  });

  it('a writer whose lock expired (a crashed worker) no longer counts', async () => {
    expect(await writeAdmissions.admitWrite(name, 'a.md', 'crashed', 1000)).toBe('admitted');
    expect(await writeAdmissions.activeWrites(name)).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await writeAdmissions.activeWrites(name)).toBe(0);
  });
});
