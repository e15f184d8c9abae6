export interface PolitenessOptions {
  /** Requests in flight to one host at most. */
  concurrency: number;
  /** Least time between the starts of two requests to one host. */
  minDelayMs: number;
}

/** Per-host spacing of fetches, in one process (HostPoliteness) or across the fleet. */
export interface Politeness {
  /** Runs `task` once `host` has a free slot and its delay (and any back-off) has passed. */
  run<T>(host: string, task: () => Promise<T>): Promise<T>;
  /** No request to `host` starts before `delayMs` from now. */
  backOff(host: string, delayMs: number): Promise<void> | void;
}

/** The injection token of the workers' Politeness (FleetPoliteness, shared through Redis). */
export const POLITENESS = Symbol('POLITENESS');

interface HostState {
  active: number;
  nextStart: number;
  waiting: Array<() => void>;
  timer?: NodeJS.Timeout;
}

/**
 * Spaces requests per host: at most `concurrency` at a time, starts at least `minDelayMs`
 * apart, and none before a back-off (429/503, `Retry-After`) has passed.
 */
export class HostPoliteness implements Politeness {
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly options: PolitenessOptions) {}

  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    const state = this.stateOf(host);
    await new Promise<void>((resolve) => {
      state.waiting.push(resolve);
      this.pump(host, state);
    });
    try {
      return await task();
    } finally {
      state.active--;
      this.pump(host, state);
    }
  }

  /** No request to `host` starts before `delayMs` from now. */
  backOff(host: string, delayMs: number): void {
    const state = this.stateOf(host);
    state.nextStart = Math.max(state.nextStart, Date.now() + delayMs);
  }

  private stateOf(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { active: 0, nextStart: 0, waiting: [] };
      this.hosts.set(host, state);
    }
    return state;
  }

  private pump(host: string, state: HostState): void {
    if (state.timer || !state.waiting.length || state.active >= this.options.concurrency) return;
    const wait = state.nextStart - Date.now();
    if (wait > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.pump(host, state);
      }, wait);
      return;
    }
    state.active++;
    state.nextStart = Date.now() + this.options.minDelayMs;
    state.waiting.shift()?.();
    this.pump(host, state);
  }
}

/** How long a 429 or 503 asks to wait: its `Retry-After` (seconds or a date), else `fallbackMs`. */
export function retryAfterMs(
  header: string | undefined,
  fallbackMs: number,
  maxMs = 300_000,
): number {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(maxMs, Math.max(0, ms)) : fallbackMs;
}
