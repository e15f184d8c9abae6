/** The names the optimizer's rules act on; register tunables under these. */
export const TUNABLE = {
  /** Search worker concurrency (jobs in flight per process). */
  searchConcurrency: 'searchConcurrency',
  /** The search micro-batcher's max wait, in ms (the batch window). */
  searchMaxWaitMs: 'searchMaxWaitMs',
  /** Target size of the document-embedding batcher. */
  embedBatchTarget: 'embedBatchTarget',
  /** Entries the in-process L1 search cache may hold. */
  l1MaxEntries: 'l1MaxEntries',
  /** HNSW `ef` used for searches that do not set it. */
  searchEf: 'searchEf',
  /** Qdrant bulk-load mode, 0 (off) or 1 (on); register only with the Qdrant store. */
  bulkLoad: 'bulkLoad',
  /** Ingest worker concurrency (not acted on by the default rules; shown in samples). */
  ingestConcurrency: 'ingestConcurrency',
} as const;

/** The registered async actions rules may schedule. */
export const TASK = {
  /** Index the store's unindexed rows and clean up old versions (LanceDB `optimize()`). */
  optimizeStore: 'optimizeStore',
} as const;

/** A knob the optimizer may turn. `set` receives a value already clamped to [min, max]. */
export interface Tunable {
  name: string;
  get(): number;
  set(value: number): void;
  min: number;
  max: number;
  /** Round to whole numbers (default true: concurrency, sizes, ef, entries). */
  integer?: boolean;
  /** The value rules restore toward (default: the value when registered). */
  baseline?: number;
}

export interface TunableView {
  value: number;
  min: number;
  max: number;
  baseline: number;
  integer: boolean;
}

/**
 * A change a rule asks for, relative where that makes sense, so that every process in the fleet
 * applies it to its own value and within its own bounds:
 * - `set`: to `value`;
 * - `add`: by `value` (e.g. +1 worker);
 * - `scale`: times `value` (rounded, but always at least one step for integer tunables).
 * `towardBaseline` stops the move at the baseline instead of crossing it (for restoring);
 * `min` / `max` narrow the tunable's own bounds for this change (e.g. ef's recall-safe range).
 */
export interface Adjustment {
  tunable: string;
  op: 'set' | 'add' | 'scale';
  value: number;
  towardBaseline?: boolean;
  min?: number;
  max?: number;
}

export interface AppliedChange {
  tunable: string;
  from: number;
  to: number;
}

/** The value an adjustment gives for one tunable; equal to view.value when nothing would change. */
export function resolveAdjustment(view: TunableView, adjustment: Adjustment): number {
  const current = view.value;
  let next: number;
  switch (adjustment.op) {
    case 'set':
      next = adjustment.value;
      break;
    case 'add':
      next = current + adjustment.value;
      break;
    case 'scale':
      next = current * adjustment.value;
      break;
  }
  if (view.integer) {
    next = Math.round(next);
    if (adjustment.op === 'scale' && next === current && adjustment.value !== 1) {
      next = current + (adjustment.value > 1 ? 1 : -1);
    }
  }
  if (adjustment.towardBaseline) {
    if (current <= view.baseline && next > view.baseline) next = view.baseline;
    if (current >= view.baseline && next < view.baseline) next = view.baseline;
  }
  const low = Math.max(view.min, adjustment.min ?? -Infinity);
  const high = Math.min(view.max, adjustment.max ?? Infinity);
  if (low <= high) next = Math.min(high, Math.max(low, next));
  else next = Math.min(view.max, Math.max(view.min, next));
  return next;
}

export function describeAdjustment(adjustment: Adjustment): string {
  const { tunable, op, value } = adjustment;
  if (op === 'set') return `${tunable} = ${value}`;
  if (op === 'add') return `${tunable} ${value >= 0 ? '+' : ''}${value}`;
  return `${tunable} x${value}`;
}

/** The tunables of one process. */
export class TunableRegistry {
  private readonly tunables = new Map<string, Required<Tunable>>();

  register(tunable: Tunable): void {
    if (!(tunable.min <= tunable.max)) {
      throw new RangeError(`tunable "${tunable.name}": min must be <= max`);
    }
    // Bound calls rather than a spread: get/set may live on a class prototype.
    this.tunables.set(tunable.name, {
      name: tunable.name,
      get: () => tunable.get(),
      set: (value) => tunable.set(value),
      min: tunable.min,
      max: tunable.max,
      integer: tunable.integer ?? true,
      baseline: tunable.baseline ?? tunable.get(),
    });
  }

  unregister(name: string): void {
    this.tunables.delete(name);
  }

  has(name: string): boolean {
    return this.tunables.has(name);
  }

  view(name: string): TunableView | undefined {
    const t = this.tunables.get(name);
    if (!t) return undefined;
    return { value: t.get(), min: t.min, max: t.max, baseline: t.baseline, integer: t.integer };
  }

  views(): Record<string, TunableView> {
    const out: Record<string, TunableView> = {};
    for (const name of this.tunables.keys()) {
      const view = this.view(name);
      if (view) out[name] = view;
    }
    return out;
  }

  values(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, t] of this.tunables) out[name] = t.get();
    return out;
  }

  /** What the adjustment would change here: null when the tunable is absent or already there. */
  preview(adjustment: Adjustment): AppliedChange | null {
    const view = this.view(adjustment.tunable);
    if (!view) return null;
    const to = resolveAdjustment(view, adjustment);
    return to === view.value ? null : { tunable: adjustment.tunable, from: view.value, to };
  }

  /**
   * Applies the adjustment within bounds; returns the change made, or null if none. The value
   * is read back after set(): a knob whose owner did not take the value has not changed.
   */
  apply(adjustment: Adjustment): AppliedChange | null {
    const change = this.preview(adjustment);
    const tunable = this.tunables.get(adjustment.tunable);
    if (!change || !tunable) return null;
    tunable.set(change.to);
    const to = tunable.get();
    return to === change.from ? null : { ...change, to };
  }
}
