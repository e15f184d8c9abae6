import { Queue } from 'bullmq';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { MonitorService } from '../../src/monitor/monitor.service';
import { TUNABLE } from '../../src/monitor/tunables';
import { bullConnectionOptions, createCommandConnection } from '../../src/redis/redis-connection';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/app-harness';

/** Reads the child's JSON lines and resolves the first one matching `match`. */
function lines(child: ChildProcessWithoutNullStreams) {
  const seen: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      seen.push(line);
      for (const w of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  return (match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = seen.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(
        () => reject(new Error(`child said: ${JSON.stringify(seen)}`)),
        timeoutMs,
      );
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
}

describe('fleet actions across OS processes', () => {
  const prefix = uniquePrefix('fleet');
  let child: ChildProcessWithoutNullStreams;
  let stderr = '';

  beforeAll(() => {
    child = spawn(
      process.execPath,
      [
        '--require',
        join(__dirname, '..', 'support', 'ts-register.js'),
        join(__dirname, 'support', 'fleet-child.ts'),
      ],
      { env: { ...process.env, FLEET_PREFIX: prefix, REDIS_URL }, stdio: 'pipe' },
    );
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, 5000)));
      child.stdin.end(); // the child shuts down cleanly when its stdin closes
      await Promise.race([exited, gaveUp]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await dropPrefix(prefix);
  });

  it("raises a live BullMQ worker's concurrency in another process", async () => {
    const next = lines(child);
    const ready = await next((l) => l.ready === true).catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
    expect(ready.concurrency).toBe(1);

    // This process sees slow searches queueing, and has its own search workers (a tunable).
    const queue = new Queue('search', { connection: bullConnectionOptions(REDIS_URL), prefix });
    const redis = createCommandConnection(REDIS_URL, `${prefix}:parent`);
    redis.on('error', () => undefined);
    await new Promise((resolve) => redis.once('ready', resolve));
    const monitor = new MonitorService(
      {
        prefix,
        intervalMs: 0,
        instanceId: 'parent',
        optimizer: { searchLatency: { p95TargetMs: 200 } },
      },
      redis,
    );
    try {
      let concurrency = 2;
      monitor.registerTunable({
        name: TUNABLE.searchConcurrency,
        get: () => concurrency,
        set: (v) => (concurrency = v),
        min: 1,
        max: 8,
      });
      monitor.registerQueue('search', queue);
      await queue.add('q', { query: 'waiting' });
      for (let i = 0; i < 30; i++) monitor.recordSearch(400, 'miss');
      await monitor.start();
      await monitor.sampleNow();
      expect(concurrency).toBe(3);
      expect(monitor.recentActions()[0]).toMatchObject({ rule: 'search-latency', source: 'local' });

      const changed = await next((l) => typeof l.concurrency === 'number' && l.ready === undefined);
      expect(changed.concurrency).toBe(2); // its own 1, plus one
      expect(changed.pid).toBe(child.pid);
      expect(changed.pid).not.toBe(process.pid);
    } finally {
      await monitor.stop();
      await queue.close();
      await redis.quit();
    }
  });
});
