/**
 * A second ragline-like process for the fleet test: a live BullMQ worker whose concurrency is a
 * monitor tunable. It prints one JSON line when ready and one per concurrency change, and shuts
 * down cleanly when its stdin closes.
 */
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { MonitorService } from '../../../src/monitor/monitor.service';
import { TUNABLE } from '../../../src/monitor/tunables';
import {
  bullConnectionOptions,
  createCommandConnection,
} from '../../../src/redis/redis-connection';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
const prefix = requiredEnv('FLEET_PREFIX');

const say = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function main(): Promise<void> {
  const worker = new Worker(prefix + '-idle', async () => undefined, {
    connection: bullConnectionOptions(redisUrl),
    prefix,
    concurrency: 1,
  });
  await worker.waitUntilReady();
  const redis: Redis = createCommandConnection(redisUrl, `${prefix}:child`);
  redis.on('error', () => undefined);
  const monitor = new MonitorService({ prefix, intervalMs: 0, instanceId: 'child' }, redis);
  monitor.registerTunable({
    name: TUNABLE.searchConcurrency,
    get: () => worker.concurrency,
    set: (value) => {
      worker.concurrency = value;
      say({ concurrency: worker.concurrency, pid: process.pid });
    },
    min: 1,
    max: 16,
  });
  await monitor.start();
  say({ ready: true, concurrency: worker.concurrency, pid: process.pid });

  const shutdown = async (): Promise<void> => {
    await monitor.stop();
    await worker.close();
    await redis.quit().catch(() => redis.disconnect());
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.stdin.resume();
}

main().catch((error: unknown) => {
  say({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
