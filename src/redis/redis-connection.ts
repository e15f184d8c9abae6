import { createIORedisClient, RedisConnection } from 'bullmq';
import Redis, { Cluster, RedisOptions } from 'ioredis';
import { parseRedisUrl, RedisTarget, safeRedisUrl } from '../config/redis-url';

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
  return openRedis(url, {
    connectionName: name,
    ...failFast(commandTimeoutMs),
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
}

/**
 * A connection to what `url` names: a Redis, or with `redis+cluster://` an ioredis Cluster
 * behind the same type (both have the same commands; a script, MULTI or pipeline on a cluster
 * must keep its keys in one slot, see keys.ts). Use duplicateConnection() to copy either.
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (target.cluster) return openCluster(target, options) as unknown as Redis;
  return new Redis(url, options);
}

export function isCluster(redis: Redis | Cluster): boolean {
  return redis instanceof Cluster;
}

/** Another connection like `redis` (a subscriber, say), with `overrides`; a Cluster stays one. */
export function duplicateConnection(redis: Redis, overrides: RedisOptions): Redis {
  const connection = redis as Redis | Cluster;
  if (!(connection instanceof Cluster)) return connection.duplicate(overrides);
  const { enableOfflineQueue, lazyConnect, retryStrategy: _ignored, ...redisOptions } = overrides;
  return connection.duplicate(undefined, {
    ...connection.options,
    redisOptions: { ...connection.options.redisOptions, ...redisOptions },
    enableOfflineQueue: enableOfflineQueue ?? connection.options.enableOfflineQueue,
    lazyConnect: lazyConnect ?? connection.options.lazyConnect,
  }) as unknown as Redis;
}

/**
 * An ioredis Cluster from seed nodes, with what `options` says for each node connection;
 * the offline queue, lazy connect and the reconnect strategy apply to the cluster as a whole.
 */
function openCluster(target: RedisTarget, options: RedisOptions): Cluster {
  const {
    enableOfflineQueue,
    lazyConnect,
    retryStrategy,
    host: _host,
    port: _port,
    db: _db,
    ...redisOptions
  } = options;
  return new Cluster(target.nodes, {
    redisOptions: {
      ...redisOptions,
      username: target.username,
      password: target.password,
      tls: target.tls ? {} : undefined,
    },
    enableOfflineQueue: enableOfflineQueue ?? true,
    lazyConnect,
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : undefined,
    // A failover moves slots: ask the cluster for its new layout soon after an error.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
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
  const target = parseRedisUrl(url);
  const options: RedisOptions = {
    username: target.username,
    password: target.password,
    db: target.db,
    tls: target.tls ? {} : undefined,
    connectionName,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(250 * attempt, 3000),
  };
  if (!target.cluster)
    return { host: target.nodes[0].host, port: target.nodes[0].port, ...options };
  // BullMQ builds a plain Redis from options; these carry the seed nodes to a client factory
  // that builds a Cluster instead, so BullMQ still owns (and closes) every connection it makes.
  RedisConnection.clientFactory ??= bullClientFactory;
  return { ...options, [CLUSTER_NODES]: target } as RedisOptions;
}

const CLUSTER_NODES = 'raglineCluster';
type MaybeClusterOptions = RedisOptions & { url?: string; [CLUSTER_NODES]?: RedisTarget };

function bullClientFactory(opts: RedisOptions) {
  const { [CLUSTER_NODES]: target, url, ...rest } = opts as MaybeClusterOptions;
  if (target) return createIORedisClient(openCluster(target, rest));
  // BullMQ's own behaviour without a factory.
  return createIORedisClient(url ? new Redis(url, rest) : new Redis(rest));
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
  const probe = openRedis(url, {
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
    const safeUrl = safeRedisUrl(url);
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
