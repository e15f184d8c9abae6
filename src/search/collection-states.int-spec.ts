import Redis from 'ioredis';
import { CollectionRecords } from '../catalog/collection-records';
import { ApiError } from '../common/api-error';
import { AppConfig, loadConfig } from '../config/config';
import { createCommandConnection } from '../redis/redis-connection';
import { PrivateRedis } from '../redis/testing/private-redis';
import { CollectionStates } from './collection-states';
import { waitFor } from '../common/testing/wait-for';
import { testCollectionRecord } from '../catalog/testing/collection-record';

const RECORD = testCollectionRecord();

/** Waits (up to 15 s) until `probe` holds, checking every 20 ms. */
const until = (probe: () => boolean, what: string) =>
  waitFor(async () => probe(), what, 15_000, 20);

/** Collection versions as one api process sees them, across Redis outages. */
describe('CollectionStates when Redis goes away (private redis-server)', () => {
  let redis: PrivateRedis;
  let config: AppConfig;
  let commands: Redis;
  let collectionRecords: CollectionRecords;
  let states: CollectionStates;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    config = loadConfig({ REDIS_URL: redis.url, RAGLINE_QUEUE_PREFIX: 'states' });
    commands = createCommandConnection(redis.url, 'states:commands', 1000);
    commands.on('error', () => undefined);
    collectionRecords = new CollectionRecords(commands, config);
    await until(() => commands.status === 'ready', 'the command connection');
    await collectionRecords.createCollection(RECORD);
    states = new CollectionStates(collectionRecords, commands, config);
    await states.onModuleInit();
  });

  afterAll(async () => {
    await states?.onApplicationShutdown();
    commands?.disconnect();
    await redis?.destroy();
  });

  it('keeps answering from the last known state while Redis is down; an unknown collection is a 503', async () => {
    expect((await states.get('docs'))?.version).toBe(0);
    await redis.stop('SIGTERM');
    const t0 = Date.now();
    expect((await states.get('docs'))?.version).toBe(0);
    const unknown = await states.get('other').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ status: 503 });
    expect((unknown as ApiError).message).toMatch(/collection catalog: Redis is unavailable/);
    await redis.restart();
    await until(() => commands.status === 'ready' && states.live, 'reconnection');
  });

  it('never answers from a version older than a write made while its subscription was down', async () => {
    const before = (await states.get('docs'))?.version ?? -1;
    const killed = await redis.killConnections((c) => c.name === 'states:collection-states');
    expect(killed).toBe(1);
    // The version event of this write reaches no one: the subscriber is reconnecting.
    const written = await collectionRecords.bumpVersion('docs');
    expect(written).toBe(before + 1);
    expect((await states.get('docs'))?.version).toBe(written);

    await until(() => states.live, 'the subscription to be back');
    const next = await collectionRecords.bumpVersion('docs');
    expect((await states.get('docs'))?.version).toBe(next);
  });
});
