import type Redis from 'ioredis';

/**
 * GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp): `limit`
 * requests per window, up to `limit` at once. One key per bucket holds the "theoretical
 * arrival time"; Redis's own clock is used, so every process sharing the Redis agrees.
 * Returns {allowed, remaining, retry-after ms, ms until the bucket is full again}.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newTat = tat + interval
local allowAt = newTat - burst * interval
if allowAt > now then
  return {0, 0, math.ceil(allowAt - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.max(1, math.ceil(newTat - now)))
return {1, math.floor((now - allowAt) / interval), 0, math.ceil(newTat - now)}
`;

const COMMAND = 'raglineRateLimit';

type RedisWithRateLimit = Redis & {
  [COMMAND](key: string, intervalMs: string, burst: string): Promise<number[]>;
};

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** When refused: how long until one more request is allowed. */
  retryAfterMs: number;
  /** How long until the bucket is full again. */
  resetMs: number;
}

export class RateLimiterUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RateLimiterUnavailableError';
  }
}

/**
 * A rate limiter shared by every process using the same Redis: one atomic script call (one
 * round trip) per request. Throws RateLimiterUnavailableError when Redis does not answer in
 * time; the caller decides whether to let the request through.
 */
export class RateLimiter {
  private readonly redis: RedisWithRateLimit;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly timeoutMs = 250,
  ) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.redis = redis as RedisWithRateLimit;
  }

  async take(bucket: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const intervalMs = windowMs / limit;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RateLimiterUnavailableError(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const [allowed, remaining, retryAfterMs, resetMs] = await Promise.race([
        this.redis[COMMAND](`${this.keyPrefix}:${bucket}`, intervalMs.toFixed(3), String(limit)),
        timeout,
      ]);
      return { allowed: allowed === 1, limit, remaining, retryAfterMs, resetMs };
    } catch (error) {
      if (error instanceof RateLimiterUnavailableError) throw error;
      throw new RateLimiterUnavailableError((error as Error).message, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
