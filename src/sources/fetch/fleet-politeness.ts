import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { hashTag } from '../../redis/keys';
import type { Politeness, PolitenessOptions } from './host-politeness';

/**
 * Takes a slot on a host if one is free and the host's next start time has passed. Time is
 * Redis's own (TIME), so workers with skewed clocks still agree. Holders carry a lease: a
 * worker that dies mid-fetch frees its slot when its lease ends (running fetches renew theirs).
 * KEYS: holders (zset token -> lease end ms), next start (ms).
 * ARGV: token, concurrency, minDelayMs, leaseMs.
 * Returns 0 when taken, else the milliseconds to wait (-1: every slot is held).
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nextStart = tonumber(redis.call('GET', KEYS[2]) or '0')
if nextStart > now then return nextStart - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
`;

/** Extends a holder's lease (ARGV: token, leaseMs), if it still holds its slot. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], lease)
end
return 0
`;

/** Moves the host's next start to now + ARGV[1] ms, unless it is already later. */
const BACK_OFF = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + delay > current then redis.call('SET', KEYS[1], now + delay, 'PX', delay) end
return 0
`;

export interface FleetPolitenessOptions extends PolitenessOptions {
  /** Key prefix (the queue prefix). */
  prefix: string;
  /**
   * How long a slot stays held if its holder stops renewing it (a worker killed mid-fetch);
   * a running fetch renews it every third of this.
   */
  leaseMs: number;
  /** Longest pause between two looks at a host whose slots are all held. */
  pollMs?: number;
}

/**
 * Per-host politeness for the whole fleet: every worker process takes its slots from the same
 * keys in Redis, so N workers syncing one site still make at most `concurrency` requests to it
 * at a time, started at least `minDelayMs` apart, and all honour one worker's back-off.
 * Keys (one hash tag per host, so both sit in one cluster slot):
 * `{<prefix>:politeness:<host>}:holders` and `...:next`.
 */
export class FleetPoliteness implements Politeness {
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: FleetPolitenessOptions,
  ) {
    this.pollMs = options.pollMs ?? 50;
  }

  private keys(host: string): { holders: string; next: string } {
    const tag = hashTag(`${this.options.prefix}:politeness:${host}`);
    return { holders: `${tag}:holders`, next: `${tag}:next` };
  }

  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    const { holders, next } = this.keys(host);
    const token = randomUUID();
    const { concurrency, minDelayMs, leaseMs } = this.options;
    for (;;) {
      const wait = Number(
        await this.redis.eval(ACQUIRE, 2, holders, next, token, concurrency, minDelayMs, leaseMs),
      );
      if (wait === 0) break;
      // A start time is exact; a held slot is looked at again soon (plus jitter, so that
      // waiting workers do not all ask at once).
      const pause = wait > 0 ? wait : this.pollMs / 2 + Math.random() * this.pollMs;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, holders, token, leaseMs).catch(() => undefined);
    }, leaseMs / 3);
    try {
      return await task();
    } finally {
      clearInterval(renew);
      await this.redis.zrem(holders, token).catch(() => undefined);
    }
  }

  async backOff(host: string, delayMs: number): Promise<void> {
    if (delayMs <= 0) return;
    await this.redis.eval(BACK_OFF, 1, this.keys(host).next, Math.ceil(delayMs));
  }
}
