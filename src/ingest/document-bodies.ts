import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { setEachWithTtl } from '../redis/multi-key';
import { REDIS } from '../redis/redis.module';
import type { BodyRef } from '../queues/ingest-job';

const PREVIEW_CHARS = 160;
/** Orphaned bodies outlive the failed-job retention by this much, then expire. */
const TTL_MARGIN_SECONDS = 24 * 3600;

/**
 * Large document bodies, stored once in Redis under a key derived from the job id (which
 * hashes collection, document id and content), so job data and queue events stay small.
 * A body lives while its job may still run: through retries and in the failed list (each read
 * renews its lifetime, which exceeds the failed-job retention); the worker removes it when the
 * job completes, the API when a failed job is discarded, and a TTL catches any left behind.
 */
@Injectable()
export class DocumentBodies {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ttlSeconds = config.ingest.keepFailed.age + TTL_MARGIN_SECONDS;
  }

  /** Bodies of more than this many UTF-8 bytes go by reference. */
  get thresholdBytes(): number {
    return this.config.ingest.bodyByReferenceBytes;
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  /** The reference to put in the job instead of the content, or null to keep it inline. */
  referenceFor(jobId: string, content: string): BodyRef | null {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes <= this.thresholdBytes) return null;
    return {
      key: `${this.config.prefix}:body:${jobId}`,
      bytes,
      preview: content.slice(0, PREVIEW_CHARS),
    };
  }

  /** Stores the bodies of several jobs in one round trip. */
  async store(bodies: Array<{ ref: BodyRef; content: string }>): Promise<void> {
    await setEachWithTtl(
      this.redis,
      bodies.map(({ ref, content }) => [ref.key, content]),
      this.ttlSeconds,
    );
  }

  /** The body, its lifetime renewed (a retried job's body outlives its new stay in the failed list); null if gone. */
  read(ref: BodyRef): Promise<string | null> {
    return this.redis.getex(ref.key, 'EX', this.ttlSeconds);
  }

  async remove(ref: BodyRef): Promise<void> {
    await this.redis.del(ref.key);
  }
}
