import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { apiKeyNameOf, SCOPE_KEY } from '../auth/auth.guard';
import type { Scope } from '../auth/api-keys';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { routeLabel } from '../metrics/http-metrics';
import { MetricsService, RateLimitClass } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { RateLimitDecision, RateLimiter } from './rate-limiter';

const WARN_EVERY_MS = 30_000;

/**
 * Which limit a route falls under, from the scopes it accepts: searches and the reads a
 * search key may make share the `search` limit, writes the `ingest` one, the rest `admin`.
 */
export function routeClassOf(scopes: Scope[] | undefined): RateLimitClass {
  if (scopes?.includes('search')) return 'search';
  if (scopes?.includes('ingest')) return 'ingest';
  return 'admin';
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Rate limits per API key (or client IP in open mode) and route pattern, shared by every API
 * process through Redis. Runs after the auth guard. Public routes (health, metrics, the admin
 * pages) are not limited. If Redis does not answer, requests are let through (fail open) and
 * counted in ragline_rate_limiter_errors_total: refusing everything would turn a Redis blip
 * into an outage of the routes that can still answer (cached searches).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  private readonly limiter: RateLimiter;
  private lastWarning = 0;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) redis: Redis,
    private readonly metrics: MetricsService,
  ) {
    this.limiter = new RateLimiter(redis, `${config.prefix}:ratelimit`);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scopes = this.reflector.getAllAndOverride<Scope[] | null | undefined>(SCOPE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scopes === null) return true;
    const routeClass = routeClassOf(scopes);
    const limit = this.config.rateLimit[routeClass];
    if (limit === 0) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const keyName = apiKeyNameOf(request);
    const who = keyName ? `key:${keyName}` : `ip:${request.ip}`;
    const route = `${request.method} ${routeLabel(request)}`;
    const windowSeconds = this.config.rateLimit.windowSeconds;
    let decision: RateLimitDecision;
    try {
      decision = await this.limiter.take(`${who}:${route}`, limit, windowSeconds * 1000);
    } catch (error) {
      this.metrics.countRateLimiterError();
      this.warn(`rate limiter unavailable, letting requests through: ${(error as Error).message}`);
      return true;
    }
    const headers: Record<string, string> = {
      'ratelimit-policy': `${limit};w=${windowSeconds}`,
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(decision.remaining),
      'ratelimit-reset': String(seconds(decision.resetMs)),
    };
    if (decision.allowed) {
      void http.getResponse<FastifyReply>().headers(headers);
      return true;
    }
    this.metrics.countRateLimited(routeClass);
    const retryAfter = seconds(decision.retryAfterMs);
    throw new ApiError(
      429,
      'rate_limited',
      `rate limit exceeded: at most ${limit} requests per ${windowSeconds} s to ${route} for ${keyName ? `API key '${keyName}'` : 'this client'}; retry in ${retryAfter} s`,
      { limit, windowSeconds, route, retryAfterSeconds: retryAfter },
      { ...headers, 'retry-after': String(retryAfter) },
    );
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }
}
