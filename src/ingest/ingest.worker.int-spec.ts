import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import type { CollectionRecord } from '../catalog/catalog.types';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { WriteAdmissions } from '../catalog/write-admission';
import { AppConfig, loadConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import {
  createCommandConnection,
  producerConnectionOptions,
  whenReady,
} from '../redis/redis-connection';
import { PrivateRedis } from '../redis/testing/private-redis';
import { IngestPipelineService } from './ingest-pipeline.service';
import { UpsertWork } from './ingest.types';
import { CircuitBreakers } from '../resilience/circuit-breakers';
import { DocumentBodies } from './document-bodies';
import { IngestWorker } from './ingest.worker';
import { testCollectionRecord } from '../catalog/testing/collection-record';
import { JobOutcomes } from '../catalog/job-outcomes';
import { INGEST_QUEUE } from '../queues/queue-names';
import { IngestJobData, IngestJobResult, UpsertJobData } from '../queues/ingest-job';

const RECORD = testCollectionRecord();

const RESULT: IngestJobResult = {
  documentId: 'a.txt',
  chunksAdded: 1,
  chunksUpdated: 0,
  chunksSkipped: 0,
  chunksDeleted: 0,
  timings: {},
};

/**
 * The worker's handling of a Redis outage met mid-job. The pipeline here stands in for the
 * real one (model and store are not what is under test; test/redis-outage.e2e-spec.ts runs
 * the real one through outages): it ends, like the real one, by writing to the catalog.
 */
describe('IngestWorker when Redis goes away mid-job (private redis-server)', () => {
  let redis: PrivateRedis;
  let config: AppConfig;
  let commands: Redis;
  let collectionRecords: CollectionRecords;
  let documentRecords: DocumentRecords;
  let writeAdmissions: WriteAdmissions;
  let queue: Queue<IngestJobData>;

  function workerWith(
    upsert: (data: UpsertWork, record: CollectionRecord) => Promise<IngestJobResult>,
    collections: CollectionRecords = collectionRecords,
  ): IngestWorker {
    const pipeline = {
      upsert: (record: CollectionRecord, data: UpsertWork) => upsert(data, record),
    } as unknown as IngestPipelineService;
    return new IngestWorker(
      pipeline,
      collections,
      documentRecords,
      writeAdmissions,
      commands,
      config,
      {} as MonitorService,
      {} as MetricsService,
      new DocumentBodies(commands, config),
      new CircuitBreakers(config, {} as MetricsService),
      new JobOutcomes(commands, config),
    );
  }

  async function submit(documentId: string, version = ''): Promise<Job<IngestJobData>> {
    expect(await whenReady(commands, 15_000)).toBe(true);
    const [seq] = await writeAdmissions.nextSubmissions('docs', 1);
    const data: UpsertJobData = {
      op: 'upsert',
      collection: 'docs',
      documentId,
      format: 'text',
      content: 'some text',
      metadata: {},
      contentHash: 'h',
      target: `upsert:${documentId}${version}`,
      seq,
      enqueuedAt: Date.now(),
    };
    const job = await queue.add('upsert', data, { jobId: `job-${documentId}${version}` });
    await writeAdmissions.recordDesired(
      'docs',
      new Map([[documentId, { seq, target: data.target }]]),
    );
    return job;
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    config = loadConfig({ REDIS_URL: redis.url, RAGLINE_QUEUE_PREFIX: 'worker' });
    commands = createCommandConnection(redis.url, 'worker:commands', 1000);
    commands.on('error', () => undefined);
    collectionRecords = new CollectionRecords(commands, config);
    documentRecords = new DocumentRecords(commands, config);
    writeAdmissions = new WriteAdmissions(commands, config);
    queue = new Queue<IngestJobData>(INGEST_QUEUE, {
      connection: producerConnectionOptions(redis.url, 1000),
      prefix: config.prefix,
    });
    queue.on('error', () => undefined);
    await queue.waitUntilReady();
    expect(await whenReady(commands, 5000)).toBe(true);
    await collectionRecords.createCollection(RECORD);
  });

  afterAll(async () => {
    await queue?.close();
    commands?.disconnect();
    await redis?.destroy();
  });

  it('waits for Redis to come back and runs the job again, instead of failing the attempt', async () => {
    const job = await submit('a.txt');
    let runs = 0;
    const worker = workerWith(async (data) => {
      runs++;
      if (runs === 1) {
        await redis.stop('SIGKILL');
        setTimeout(() => void redis.restart(), 700);
      }
      await documentRecords.putDocument(data.collection, {
        id: data.documentId,
        chunks: 1,
        contentHash: data.contentHash,
        format: data.format,
        updatedAt: new Date().toISOString(),
        metadata: {},
      });
      return RESULT;
    });

    await expect(worker.process(job)).resolves.toEqual(RESULT);
    expect(runs).toBe(2);
    expect(await documentRecords.getDocument('docs', 'a.txt')).toMatchObject({ chunks: 1 });
  });

  it('fails the attempt at once for anything that is not an outage', async () => {
    const job = await submit('b.txt');
    let runs = 0;
    const worker = workerWith(async () => {
      runs++;
      throw new Error('the model ran out of memory');
    });
    await expect(worker.process(job)).rejects.toThrow('the model ran out of memory');
    expect(runs).toBe(1);
  });

  it('later submission wins: an older job is superseded, an unrecorded accepted one runs', async () => {
    let runs = 0;
    const worker = workerWith(async () => {
      runs++;
      return RESULT;
    });
    // Two submissions of one document; the newer one is recorded.
    const older = await submit('c.txt', '-v1');
    const newer = await submit('c.txt', '-v2');
    await expect(worker.process(older)).resolves.toMatchObject({ superseded: true });
    expect(runs).toBe(0);
    await expect(worker.process(newer)).resolves.toEqual(RESULT);
    expect(runs).toBe(1);

    // Its producer failed between the add and the record (Redis went away): the job was
    // accepted all the same, so it records itself as the latest and runs.
    const [seq] = await writeAdmissions.nextSubmissions('docs', 1);
    const data: UpsertJobData = {
      ...(newer.data as UpsertJobData),
      target: 'upsert:unrecorded',
      seq,
    };
    const unrecorded = await queue.add('upsert', data, { jobId: 'job-unrecorded' });
    await expect(worker.process(unrecorded)).resolves.toEqual(RESULT);
    expect(runs).toBe(2);
    expect(await writeAdmissions.getDesired('docs', 'c.txt')).toEqual({
      seq,
      target: 'upsert:unrecorded',
    });
  });

  it('reads its collection record once, after admission, and hands that record to the pipeline', async () => {
    let reads = 0;
    const counted = new (class extends CollectionRecords {
      override async getCollectionRecord(name: string): Promise<CollectionRecord | null> {
        reads++;
        return super.getCollectionRecord(name);
      }
    })(commands, config);
    const given: CollectionRecord[] = [];
    const worker = workerWith(async (_data, record) => {
      given.push(record);
      return RESULT;
    }, counted);
    await expect(worker.process(await submit('once.txt'))).resolves.toEqual(RESULT);
    expect(reads).toBe(1);
    expect(given).toEqual([RECORD]);
  });
});
