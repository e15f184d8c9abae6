import Redis, { RedisOptions } from 'ioredis';

/**
 * Connections for commands issued on behalf of a request: fail fast while Redis is down
 * (the caller answers 503) instead of queueing commands in memory without bound.
 */
export function createCommandConnection(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
}

/** BullMQ connection options: workers must never give up on a command (maxRetriesPerRequest null). */
export function bullConnectionOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(250 * attempt, 3000),
  };
}

export class RedisUnreachableError extends Error {}

/** Checks once that Redis answers, with a short timeout, so start-up can say so plainly. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const safeUrl = url.replace(/\/\/([^@/]*)@/, '//***@');
    throw new RedisUnreachableError(
      `Cannot reach Redis at ${safeUrl} (${(err as Error).message}).\n` +
        `ragline keeps its queues in Redis. Start one with:\n` +
        `    redis-server --daemonize yes            (or: docker compose up -d redis)\n` +
        `or point REDIS_URL at a running server, e.g. REDIS_URL=redis://host:6379`,
    );
  } finally {
    probe.disconnect();
  }
}
