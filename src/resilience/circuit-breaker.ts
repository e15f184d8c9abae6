import { ApiError } from '../common/api-error';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Names the dependency in errors, logs and metrics, e.g. `store-write`. */
  name: string;
  /** Consecutive dependency failures that open the circuit. */
  failureThreshold: number;
  /**
   * Also open when at least this share of the calls in `windowMs` failed (and at least
   * `minimumCalls` were made): catches a dependency that fails often but not every time.
   * 0 turns the rule off.
   */
  failureRate: number;
  windowMs: number;
  minimumCalls: number;
  /** How long the circuit stays open before trial calls are let through. */
  cooldownMs: number;
  /** Trial calls let through at once while half-open. */
  trialCalls: number;
  /**
   * Whether an error means the dependency is unhealthy. Caller errors (a bad filter, a missing
   * collection) say the dependency answered, so they count as successes. Default: every error.
   */
  isFailure?: (error: unknown) => boolean;
  onStateChange?: (change: CircuitStateChange) => void;
  /** Called for each call failed fast while open. */
  onRejected?: () => void;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

export interface CircuitStateChange {
  name: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
}

const OPEN_REASON = /^circuit open: (\S+) is unavailable, retry in (\d+) s/;

/** Thrown instead of calling a dependency whose circuit is open: fail fast, retry later. */
export class CircuitOpenError extends Error {
  constructor(
    readonly dependency: string,
    readonly retryAfterMs: number,
    readonly lastFailure?: string,
  ) {
    super(
      `circuit open: ${dependency} is unavailable, retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s${lastFailure ? ` (last failure: ${lastFailure})` : ''}`,
    );
    this.name = 'CircuitOpenError';
  }

  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

/** Matched by name as well: errors that crossed a realm or a queue lose their class. */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return (
    error instanceof CircuitOpenError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'CircuitOpenError')
  );
}

/**
 * Reads a CircuitOpenError back from its message, e.g. a search job's failed reason, which is
 * all that crosses the queue to the API process.
 */
export function parseCircuitOpenReason(
  reason: string | undefined,
): { dependency: string; retryAfterSeconds: number } | null {
  const match = OPEN_REASON.exec(reason ?? '');
  return match ? { dependency: match[1], retryAfterSeconds: Number(match[2]) } : null;
}

/**
 * What an API client is told while a circuit is open: 503 with Retry-After, naming the
 * dependency but not its internal error (paths, hosts).
 */
export function circuitOpenAnswer(dependency: string, retryAfterSeconds: number): ApiError {
  return ApiError.unavailable(
    `${dependency} is unavailable (circuit open); retry in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

const BUCKETS = 10;

/**
 * A circuit breaker: closed, it passes calls through and counts dependency failures; after
 * `failureThreshold` in a row (or a failure rate over a window) it opens, and calls fail fast
 * with CircuitOpenError for `cooldownMs`; then it is half-open and lets `trialCalls` through:
 * one success closes it, one failure opens it again for another cool-off.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialsInFlight = 0;
  private lastFailure = '';
  private readonly buckets: Bucket[] = [];
  private readonly now: () => number;
  private readonly isFailure: (error: unknown) => boolean;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
    this.isFailure = options.isFailure ?? (() => true);
  }

  get name(): string {
    return this.options.name;
  }

  /** The state now; an open circuit whose cool-off has passed reads (and becomes) half-open. */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) {
      this.transition('half-open', `cool-off of ${this.options.cooldownMs} ms over`);
    }
    return this.current;
  }

  /** Milliseconds until trial calls are let through (0 unless open). */
  get retryAfterMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.options.cooldownMs - this.now());
  }

  /** Throws CircuitOpenError while open; lets callers skip costly work that would be refused. */
  assertNotOpen(): void {
    if (this.state === 'open') throw this.openError(this.retryAfterMs);
  }

  async execute<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open') throw this.openError(this.retryAfterMs);
    const trial = state === 'half-open';
    if (trial) {
      if (this.trialsInFlight >= this.options.trialCalls) {
        throw this.openError(this.options.cooldownMs);
      }
      this.trialsInFlight++;
    }
    try {
      const result = await call();
      this.onSuccess(trial);
      return result;
    } catch (error) {
      if (this.isFailure(error)) this.onFailure(trial, error);
      else this.onSuccess(trial);
      throw error;
    } finally {
      if (trial) this.trialsInFlight--;
    }
  }

  private openError(retryAfterMs: number): CircuitOpenError {
    this.options.onRejected?.();
    return new CircuitOpenError(this.options.name, retryAfterMs, this.lastFailure || undefined);
  }

  private onSuccess(trial: boolean): void {
    this.record(false);
    this.consecutiveFailures = 0;
    if (trial && this.current === 'half-open') {
      this.lastFailure = '';
      this.buckets.length = 0;
      this.transition('closed', 'a trial call succeeded');
    }
  }

  private onFailure(trial: boolean, error: unknown): void {
    this.record(true);
    this.consecutiveFailures++;
    this.lastFailure = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    if (this.current === 'open') return;
    if (trial || this.current === 'half-open') {
      this.open('a trial call failed');
      return;
    }
    if (this.consecutiveFailures >= this.options.failureThreshold) {
      this.open(`${this.consecutiveFailures} consecutive failures`);
      return;
    }
    const { calls, failures } = this.windowTotals();
    const { failureRate, minimumCalls } = this.options;
    if (failureRate > 0 && calls >= minimumCalls && failures / calls >= failureRate) {
      this.open(`${failures} of ${calls} calls failed within ${this.options.windowMs} ms`);
    }
  }

  private open(reason: string): void {
    this.openedAt = this.now();
    this.transition('open', `${reason}: ${this.lastFailure}`);
  }

  private transition(to: CircuitState, reason: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.onStateChange?.({ name: this.options.name, from, to, reason });
  }

  private record(failed: boolean): void {
    const now = this.now();
    const width = Math.max(1, Math.ceil(this.options.windowMs / BUCKETS));
    const start = now - (now % width);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== start) {
      bucket = { start, calls: 0, failures: 0 };
      this.buckets.push(bucket);
      while (this.buckets.length > BUCKETS + 1) this.buckets.shift();
    }
    bucket.calls++;
    if (failed) bucket.failures++;
  }

  private windowTotals(): { calls: number; failures: number } {
    const since = this.now() - this.options.windowMs;
    let calls = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (bucket.start < since) continue;
      calls += bucket.calls;
      failures += bucket.failures;
    }
    return { calls, failures };
  }
}
