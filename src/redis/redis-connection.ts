import Redis, { RedisOptions } from 'ioredis';

/** Default for RAGLINE_REDIS_COMMAND_TIMEOUT_MS. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3000;

/**
 * Fail-fast settings for commands issued on behalf of a request: while Redis is down a command
 * is refused at once (no offline queue), one sent just before the connection dropped is
 * rejected once the first reconnect fails (maxRetriesPerRequest 1), and one Redis never
 * answers times out. The caller answers 503 instead of queueing work in memory without bound.
 */
function failFast(commandTimeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
  };
}

/** The catalog's and caches' connection (fail fast, see failFast). */
export function createCommandConnection(
  url: string,
  name: string,
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Redis {
  return new Redis(url, {
    connectionName: name,
    ...failFast(commandTimeoutMs),
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
}

/**
 * Connection options of the BullMQ Queues the API side uses to add and read jobs (producers,
 * the jobs API, the monitor's counts): fail fast, so an add during an outage is answered 503
 * and never buffered, and an add answered as accepted has really been stored by Redis.
 */
export function producerConnectionOptions(
  url: string,
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): RedisOptions {
  return { ...bullConnectionOptions(url), ...failFast(commandTimeoutMs) };
}

/**
 * BullMQ connection options for workers and QueueEvents: they must never give up on a command
 * (maxRetriesPerRequest null); they wait for Redis and carry on when it is back.
 */
export function bullConnectionOptions(url: string, connectionName?: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    connectionName,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(250 * attempt, 3000),
  };
}

/** Resolves true once `redis` is ready (at once if it is), false if that takes over timeoutMs. */
export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
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
