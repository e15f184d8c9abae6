import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { ApiError } from '../common/api-error';
import { publicText } from '../common/public-text';
import { throttledWarning } from '../common/throttled-warning';
import { within } from '../common/within';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { REDIS } from '../redis/redis.module';
import { CircuitBreaker, CircuitState } from '../resilience/circuit-breaker';
import {
  CircuitBreakers,
  embedderDependency,
  STORE_READS,
  STORE_WRITES,
} from '../resilience/circuit-breakers';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';

interface CircuitReport {
  circuits?: Record<string, CircuitState>;
  /** Set when a circuit is open: the dependency is failing and calls fail fast. */
  open?: string;
}

/** States of the named breakers that exist in this process, and a message if any is open. */
function circuitReport(breakers: (CircuitBreaker | undefined)[]): CircuitReport {
  const present = breakers.filter((b): b is CircuitBreaker => b !== undefined);
  if (!present.length) return {};
  const circuits = Object.fromEntries(present.map((b) => [b.name, b.state]));
  const open = present.filter((b) => b.state === 'open');
  if (!open.length) return { circuits };
  return {
    circuits,
    open: open
      .map((b) => `circuit ${b.name} open, retry in ${Math.ceil(b.retryAfterMs / 1000)} s`)
      .join('; '),
  };
}

/** Readiness: Redis, the vector store and the embedder answer, and no circuit breaker is open. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly embedders: EmbedderRegistry,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly breakers: CircuitBreakers,
  ) {}

  /** Every check's result, or 503 ('not_ready') naming the checks that are down. */
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.checkAll();
    } catch (err) {
      throw err instanceof ServiceUnavailableException ? notReady(err) : err;
    }
  }

  private checkAll(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const check = this.indicators.check('redis');
        try {
          await within(1000, this.redis.ping());
          return check.up();
        } catch (err) {
          return check.down({ connection: this.redis.status, message: (err as Error).message });
        }
      },
      async () => {
        const check = this.indicators.check('store');
        const { circuits, open } = circuitReport([
          this.breakers.get(STORE_READS),
          this.breakers.get(STORE_WRITES),
        ]);
        const kind = this.store.kind;
        if (open) return check.down({ kind, circuits, message: open });
        try {
          await within(2000, this.store.ping());
          return check.up({ kind, circuits });
        } catch (err) {
          return check.down({ kind, circuits, message: (err as Error).message });
        }
      },
      async () => {
        const check = this.indicators.check('embedder');
        const id = this.config.embedder.defaultId;
        const described = this.embedders.describe(id);
        if (!described) return check.down({ id, message: 'not configured' });
        const { circuits, open } = circuitReport([this.breakers.get(embedderDependency(id))]);
        if (open) return check.down({ id, circuits, message: open });
        if (this.config.role === 'api') {
          return check.up({ id, dimensions: described.dimensions, circuits });
        }
        try {
          const embedder = await within(30_000, this.embedders.get(id));
          return check.up({ id, dimensions: embedder.dimensions, circuits });
        } catch (err) {
          return check.down({ id, message: (err as Error).message });
        }
      },
    ]);
  }
}

const logger = new Logger('Health');
const warnNotReady = throttledWarning((message) => logger.warn(message));

/**
 * Terminus's 503 in the API's error shape: which checks are down and why, every check's
 * details. Readiness is unauthenticated: reasons that reveal internals (a data folder's path,
 * driver text) are logged and answered as plain words.
 */
function notReady(err: ServiceUnavailableException): ApiError {
  const result = err.getResponse() as Partial<HealthCheckResult>;
  const reasons: string[] = [];
  const down = Object.entries(result.error ?? {}).map(([name, detail]) => {
    const message = (detail as { message?: unknown }).message;
    if (typeof message !== 'string') return name;
    reasons.push(`${name}: ${message}`);
    return `${name} (${publicText(message, 'failing; the reason is in the service log')})`;
  });
  if (reasons.length) warnNotReady(`not ready: ${reasons.join('; ')}`);
  return new ApiError(
    503,
    'not_ready',
    `not ready: ${down.join(', ') || 'a check failed'}`,
    result.details,
    { 'retry-after': '5' },
  );
}
