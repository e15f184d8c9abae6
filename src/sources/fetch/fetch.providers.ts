import type { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { FetchAllowlist } from './address-policy';
import { HostPoliteness } from './host-politeness';
import { SafeFetcher, systemResolver } from './safe-fetcher';

export const FETCH_RESOLVER = Symbol('FETCH_RESOLVER');

/** The safe fetcher (system DNS unless FETCH_RESOLVER is overridden) and per-host politeness. */
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
      }),
  },
  {
    provide: HostPoliteness,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) =>
      new HostPoliteness({
        concurrency: config.fetch.hostConcurrency,
        minDelayMs: config.fetch.hostDelayMs,
      }),
  },
];
