import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { createServer } from 'node:net';
import { dropPrefix } from '../redis/testing/drop-prefix';
import { REDIS_URL, uniquePrefix } from '../redis/testing/shared-redis';
import { RequireScope } from '../auth/auth.guard';
import { loadConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { createCommandConnection } from '../redis/redis-connection';
import { RateLimitGuard, routeClassOf } from './rate-limit.guard';
import { RateLimiter, RateLimiterUnavailableError } from './rate-limiter';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('RateLimiter (real Redis)', () => {
  const prefix = uniquePrefix('ratelimit');
  const clients: Redis[] = [];
  const client = async () => {
    const c = createCommandConnection(REDIS_URL, 'rate-limit-spec');
    clients.push(c);
    await new Promise((ready) => c.once('ready', ready));
    return c;
  };

  afterAll(async () => {
    await dropPrefix(prefix, REDIS_URL);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  });

  it('allows the limit at once, then refuses with the time until the next request is allowed', async () => {
    const limiter = new RateLimiter(await client(), prefix);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take('a', 3, 60_000));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    // 3 per minute: one more every 20 s, the bucket full again 60 s after the last one
    expect(decisions[3].retryAfterMs).toBeGreaterThan(15_000);
    expect(decisions[3].retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(decisions[2].resetMs).toBeGreaterThan(55_000);
    expect(decisions[2].resetMs).toBeLessThanOrEqual(60_000);
  });

  it('shares one bucket between clients (processes) and keeps buckets apart', async () => {
    const a = new RateLimiter(await client(), prefix);
    const b = new RateLimiter(await client(), prefix);
    const allowed = [];
    for (let i = 0; i < 6; i++)
      allowed.push((await (i % 2 ? a : b).take('shared', 4, 60_000)).allowed);
    expect(allowed.filter(Boolean)).toHaveLength(4);
    expect((await a.take('another', 4, 60_000)).allowed).toBe(true);
  });

  it('refills at the configured rate', async () => {
    const limiter = await client().then((c) => new RateLimiter(c, prefix));
    // 2 per 4 s: one more every 2 s
    await limiter.take('refill', 2, 4000);
    await limiter.take('refill', 2, 4000);
    const refused = await limiter.take('refill', 2, 4000);
    expect(refused.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 20));
    expect((await limiter.take('refill', 2, 4000)).allowed).toBe(true);
    expect((await limiter.take('refill', 2, 4000)).allowed).toBe(false);
  });

  it('says so when Redis does not answer', async () => {
    const redis = createCommandConnection(`redis://127.0.0.1:${await closedPort()}`, 'down');
    redis.on('error', () => undefined);
    clients.push(redis);
    await expect(new RateLimiter(redis, prefix).take('x', 1, 1000)).rejects.toBeInstanceOf(
      RateLimiterUnavailableError,
    );
  });
});

class Routes {
  @RequireScope('search')
  search(): void {}
}

describe('RateLimitGuard', () => {
  it('lets requests through (fail open) and counts it when Redis is down', async () => {
    const redis = createCommandConnection(`redis://127.0.0.1:${await closedPort()}`, 'down');
    redis.on('error', () => undefined);
    const metrics = new MetricsService();
    const config = loadConfig({ RAGLINE_RATE_LIMIT_SEARCH: '1' });
    const guard = new RateLimitGuard(new Reflector(), config, redis, metrics);
    const request = { ip: '127.0.0.1', method: 'POST', routeOptions: { url: '/s' } };
    const reply = { headers: () => reply };
    const context = new ExecutionContextHost(
      [request as unknown as FastifyRequest, reply as unknown as FastifyReply],
      Routes,
      Routes.prototype.search,
    );
    for (let i = 0; i < 3; i++) await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(await metrics.render()).toMatch(/^ragline_rate_limiter_errors_total 3$/m);
    redis.disconnect();
  });

  it('classes routes by the scopes they accept', () => {
    expect(routeClassOf(['search'])).toBe('search');
    expect(routeClassOf(['ingest', 'search'])).toBe('search');
    expect(routeClassOf(['ingest'])).toBe('ingest');
    expect(routeClassOf(['admin'])).toBe('admin');
    expect(routeClassOf(undefined)).toBe('admin');
  });
});
