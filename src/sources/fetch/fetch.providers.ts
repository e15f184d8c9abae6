import type { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { FetchAllowlist } from './address-policy';
import type Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { REDIS } from '../../redis/redis.module';
import { FleetPoliteness } from './fleet-politeness';
import { POLITENESS } from './host-politeness';
import { SafeFetcher, systemResolver } from './safe-fetcher';

export const FETCH_RESOLVER = Symbol('FETCH_RESOLVER');

/** The safe fetcher (system DNS unless FETCH_RESOLVER is overridden) and fleet-wide per-host politeness. */
export const fetchProviders: Provider[] = [
  { provide: FETCH_RESOLVER, useValue: systemResolver },
  {
    provide: SafeFetcher,
    inject: [APP_CONFIG, FETCH_RESOLVER],
    useFactory: (config: AppConfig, resolver: typeof systemResolver) =>
      new SafeFetcher({
        allow: new FetchAllowlist(config.fetch.allow),
        resolver,
        userAgent: config.fetch.userAgent,
        timeoutMs: config.fetch.timeoutMs,
        maxBytes: config.fetch.maxBytes,
        ...(config.fetch.caFile ? { extraCa: [readFileSync(config.fetch.caFile, 'utf8')] } : {}),
      }),
  },
  {
    // Shared through Redis: every worker process spaces its requests to a host with the others.
    provide: POLITENESS,
    inject: [APP_CONFIG, REDIS],
    useFactory: (config: AppConfig, redis: Redis) =>
      new FleetPoliteness(redis, {
        prefix: config.prefix,
        concurrency: config.fetch.hostConcurrency,
        minDelayMs: config.fetch.hostDelayMs,
        // Renewed while a fetch runs: a killed worker's slot is free again within 5 s.
        leaseMs: 5000,
      }),
  },
];
