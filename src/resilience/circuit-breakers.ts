import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { CircuitBreaker, CircuitStateChange } from './circuit-breaker';

/** Calls in the failure-rate window below which the rate rule stays quiet. */
const MINIMUM_CALLS = 10;

/** Dependency names: the store's reads and writes have one breaker each. */
export const STORE_READS = 'store-read';
export const STORE_WRITES = 'store-write';
export const embedderDependency = (embedderId: string): string => `embedder:${embedderId}`;

/**
 * This process's circuit breakers, one per dependency, with the configured thresholds. Each
 * logs its transitions, exports its state at /metrics and is reported by readiness.
 * Breakers are per process: each process decides from the calls it makes itself.
 */
@Injectable()
export class CircuitBreakers {
  private readonly logger = new Logger('CircuitBreaker');
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get enabled(): boolean {
    return this.config.breaker.failures > 0;
  }

  /**
   * The breaker of a dependency, created on first use with `isFailure` deciding which errors
   * mean the dependency is unhealthy; null when breakers are turned off.
   */
  for(dependency: string, isFailure: (error: unknown) => boolean): CircuitBreaker | null {
    if (!this.enabled) return null;
    let breaker = this.breakers.get(dependency);
    if (!breaker) {
      const { failures, failureRate, windowMs, cooldownMs, trialCalls } = this.config.breaker;
      breaker = new CircuitBreaker({
        name: dependency,
        failureThreshold: failures,
        failureRate,
        windowMs,
        minimumCalls: MINIMUM_CALLS,
        cooldownMs,
        trialCalls,
        isFailure,
        onStateChange: (change) => this.log(change),
        onRejected: () => this.metrics.countCircuitRejected(dependency),
      });
      const created = breaker;
      this.metrics.trackCircuit(dependency, () => created.state);
      this.breakers.set(dependency, breaker);
    }
    return breaker;
  }

  get(dependency: string): CircuitBreaker | undefined {
    return this.breakers.get(dependency);
  }

  all(): CircuitBreaker[] {
    return [...this.breakers.values()];
  }

  private log({ name, from, to, reason }: CircuitStateChange): void {
    const line = `${name}: ${from} -> ${to} (${reason})`;
    if (to === 'open') this.logger.warn(line);
    else this.logger.log(line);
  }
}

@Global()
@Module({ providers: [CircuitBreakers], exports: [CircuitBreakers] })
export class ResilienceModule {}
