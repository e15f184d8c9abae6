export type Clock = () => number;

export interface RingOptions {
  /** Total time the ring covers. */
  windowMs: number;
  /** Sub-windows it is divided into; the oldest is dropped whole, so this sets the granularity. */
  slots: number;
  /** Milliseconds clock (default Date.now); tests pass a fake one. */
  now?: Clock;
}

interface Slot<T> {
  epoch: number;
  value: T;
}

/**
 * A ring of sub-windows over a sliding time window, rotated lazily from the clock (no timers):
 * the slot for time t is epoch = floor(t / slotMs), stored at epoch % slots, and a slot whose
 * epoch is stale is reset before reuse. A read sees the slots of the last `slots` epochs, i.e.
 * between windowMs - slotMs and windowMs of history.
 */
export class RotatingRing<T> {
  readonly windowMs: number;
  readonly slotMs: number;
  private readonly ring: Slot<T>[];
  private readonly now: Clock;
  private readonly createdAt: number;

  constructor(
    options: RingOptions,
    create: () => T,
    private readonly reset: (value: T) => void,
  ) {
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be > 0');
    if (!Number.isInteger(options.slots) || options.slots < 1) {
      throw new RangeError('slots must be an integer >= 1');
    }
    this.windowMs = options.windowMs;
    this.slotMs = options.windowMs / options.slots;
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.ring = Array.from({ length: options.slots }, () => ({ epoch: -1, value: create() }));
  }

  /** The sub-window for the current time, reset first if it last held an older epoch. */
  current(): T {
    const epoch = this.epochAt(this.now());
    const slot = this.ring[epoch % this.ring.length];
    if (slot.epoch !== epoch) {
      this.reset(slot.value);
      slot.epoch = epoch;
    }
    return slot.value;
  }

  /** The sub-windows still inside the window, oldest first. */
  live(): T[] {
    const epoch = this.epochAt(this.now());
    const oldest = epoch - this.ring.length + 1;
    return this.ring
      .filter((slot) => slot.epoch >= oldest && slot.epoch <= epoch)
      .sort((a, b) => a.epoch - b.epoch)
      .map((slot) => slot.value);
  }

  /** Milliseconds of history a read covers: the window, or less since the ring was created. */
  coveredMs(): number {
    const now = this.now();
    const epoch = this.epochAt(now);
    const windowStart = (epoch - this.ring.length + 1) * this.slotMs;
    return Math.max(1, now - Math.max(windowStart, this.createdAt));
  }

  private epochAt(time: number): number {
    return Math.floor(time / this.slotMs);
  }
}
