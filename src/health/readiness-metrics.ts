import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { within } from '../common/within';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';

/** The longest a scrape waits for each dependency (the same bounds as GET /v1/health/ready). */
const REDIS_PROBE_MS = 1000;
const STORE_PROBE_MS = 2000;

/**
 * ragline_dependency_ready{dependency="redis"|"store"}: Redis and the vector store pinged at
 * each scrape, so Prometheus can alert on a dependency this process cannot reach.
 */
@Injectable()
export class ReadinessMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
  ) {}

  onModuleInit(): void {
    this.metrics.trackReadiness('redis', async () => {
      await within(REDIS_PROBE_MS, this.redis.ping());
      return true;
    });
    this.metrics.trackReadiness('store', async () => {
      await within(STORE_PROBE_MS, this.store.ping());
      return true;
    });
  }
}
