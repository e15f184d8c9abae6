import { Redis } from 'ioredis';
import { cpuUsage, type CpuUsage } from './process-cpu';

/**
 * What Redis did over a span, from its own counters: every client of that server counts. Its
 * CPU is the server's (user + system, main thread and I/O threads).
 */
export interface RedisUsage extends CpuUsage {
  /** Commands the server processed. */
  commands: number;
}

interface RedisCounters {
  cpuSeconds: number;
  commands: number;
  at: number;
}

/** The counters RedisWatch follows, from the text of `INFO` (undefined when one is missing). */
export function parseRedisCounters(
  info: string,
): { cpuSeconds: number; commands: number } | undefined {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
    return match ? Number(match[1]) : undefined;
  };
  const sys = field('used_cpu_sys');
  const user = field('used_cpu_user');
  const commands = field('total_commands_processed');
  if (sys === undefined || user === undefined || commands === undefined) return undefined;
  return { cpuSeconds: sys + user, commands };
}

/**
 * Follows a Redis server's CPU and command count over a span, as CpuWatch does for a process.
 * It reads the server's own counters (`INFO`), so it works for a remote Redis too, and counts
 * every client of that server: on a Redis shared with other work, the figures include it.
 * Reads that fail (Redis unreachable, INFO disabled) leave the figures unmeasured.
 */
export class RedisWatch {
  private start: Promise<RedisCounters | undefined>;

  private constructor(private readonly client: Redis) {
    this.start = this.read();
  }

  static open(url: string): RedisWatch {
    // No reconnecting: a watch that cannot read its counters leaves them unmeasured.
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    return new RedisWatch(client);
  }

  /** Counts from now on (e.g. once start-up is over); resolves once the counters are read. */
  async restart(): Promise<void> {
    this.start = this.read();
    await this.start;
  }

  async stop(): Promise<RedisUsage | undefined> {
    const [start, end] = await Promise.all([this.start, this.read()]);
    this.client.disconnect();
    if (!start || !end) return undefined;
    return {
      ...cpuUsage(end.cpuSeconds - start.cpuSeconds, (end.at - start.at) / 1000, 2),
      commands: end.commands - start.commands,
    };
  }

  private async read(): Promise<RedisCounters | undefined> {
    const at = performance.now();
    try {
      const counters = parseRedisCounters(await this.client.info());
      return counters && { ...counters, at };
    } catch {
      return undefined;
    }
  }
}
