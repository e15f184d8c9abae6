/**
 * What REDIS_URL names: one server (`redis://`, `rediss://` for TLS) or a Redis Cluster
 * through its seed nodes (`redis+cluster://host:port[,host:port...]`, `rediss+cluster://`).
 */
export interface RedisTarget {
  cluster: boolean;
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
  /** Database number (one server only: a cluster has only database 0). */
  db: number;
}

const URL_SHAPE = /^(rediss?)(\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/(\d*))?\/?$/;

export const REDIS_URL_FORMAT =
  'expected redis://[user:password@]host:port[/db] (rediss:// for TLS) or ' +
  'redis+cluster://[user:password@]host:port[,host:port...] (rediss+cluster:// for TLS)';

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//.test(url);
}

/** Parses REDIS_URL; throws with the accepted shapes when it is none of them. */
export function parseRedisUrl(url: string): RedisTarget {
  const match = URL_SHAPE.exec(url);
  if (!match) throw new Error(REDIS_URL_FORMAT);
  const [, scheme, cluster, auth, hosts, db] = match;
  const nodes = hosts.split(',').map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort.trim());
    if (!m) throw new Error(`${REDIS_URL_FORMAT}; '${hostPort}' is not host:port`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 6379) };
  });
  if (!cluster && nodes.length > 1) {
    throw new Error(`${REDIS_URL_FORMAT}; several hosts need redis+cluster://`);
  }
  if (cluster && db && Number(db) !== 0) {
    throw new Error('a Redis Cluster has only database 0');
  }
  const [user, ...password] = (auth ?? '').split(':');
  return {
    cluster: !!cluster,
    nodes,
    username: user ? decodeURIComponent(user) : undefined,
    password: password.length ? decodeURIComponent(password.join(':')) : undefined,
    tls: scheme === 'rediss',
    db: db ? Number(db) : 0,
  };
}

/** The URL with its password hidden, for messages and logs. */
export function safeRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
