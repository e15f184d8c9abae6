import { resolveAdjustment, TunableRegistry, type TunableView } from './tunables';

const view = (
  value: number,
  min = 1,
  max = 100,
  baseline = value,
  integer = true,
): TunableView => ({
  value,
  min,
  max,
  baseline,
  integer,
});

describe('resolveAdjustment', () => {
  it('clamps every operation to the tunable bounds', () => {
    expect(resolveAdjustment(view(99), { tunable: 't', op: 'add', value: 5 })).toBe(100);
    expect(resolveAdjustment(view(2), { tunable: 't', op: 'add', value: -5 })).toBe(1);
    expect(resolveAdjustment(view(60), { tunable: 't', op: 'scale', value: 2 })).toBe(100);
    expect(resolveAdjustment(view(5), { tunable: 't', op: 'set', value: 1000 })).toBe(100);
  });

  it('narrows the bounds with the adjustment min/max, but never beyond the tunable ones', () => {
    expect(resolveAdjustment(view(40), { tunable: 't', op: 'scale', value: 0.5, min: 32 })).toBe(
      32,
    );
    expect(resolveAdjustment(view(40), { tunable: 't', op: 'set', value: 0, min: -10 })).toBe(1);
  });

  it('moves an integer tunable at least one step when scaling', () => {
    expect(resolveAdjustment(view(2), { tunable: 't', op: 'scale', value: 1.2 })).toBe(3);
    expect(resolveAdjustment(view(2), { tunable: 't', op: 'scale', value: 0.8 })).toBe(1);
    expect(
      resolveAdjustment(view(2, 0, 10, 2, false), { tunable: 't', op: 'scale', value: 1.2 }),
    ).toBeCloseTo(2.4);
  });

  it('stops at the baseline when restoring, from either side', () => {
    expect(
      resolveAdjustment(view(60, 1, 100, 64), {
        tunable: 't',
        op: 'scale',
        value: 2,
        towardBaseline: true,
      }),
    ).toBe(64);
    expect(
      resolveAdjustment(view(5, 1, 100, 4), {
        tunable: 't',
        op: 'add',
        value: -3,
        towardBaseline: true,
      }),
    ).toBe(4);
    expect(
      resolveAdjustment(view(64, 1, 100, 64), {
        tunable: 't',
        op: 'scale',
        value: 2,
        towardBaseline: true,
      }),
    ).toBe(64);
  });
});

describe('TunableRegistry', () => {
  it('applies within bounds through set(), reports the change, and nothing when already there', () => {
    let value = 4;
    const registry = new TunableRegistry();
    registry.register({ name: 'c', get: () => value, set: (v) => (value = v), min: 1, max: 6 });
    expect(registry.apply({ tunable: 'c', op: 'add', value: 5 })).toEqual({
      tunable: 'c',
      from: 4,
      to: 6,
    });
    expect(value).toBe(6);
    expect(registry.apply({ tunable: 'c', op: 'add', value: 1 })).toBeNull();
    expect(registry.apply({ tunable: 'absent', op: 'add', value: 1 })).toBeNull();
    expect(registry.view('c')).toMatchObject({ value: 6, baseline: 4 });
  });

  it('works with get/set methods on a class prototype (e.g. a service)', () => {
    class WorkerKnob {
      readonly name = 'concurrency';
      readonly min = 1;
      readonly max = 9;
      value = 3;
      get(): number {
        return this.value;
      }
      set(v: number): void {
        this.value = v;
      }
    }
    const knob = new WorkerKnob();
    const registry = new TunableRegistry();
    registry.register(knob);
    registry.apply({ tunable: 'concurrency', op: 'set', value: 7 });
    expect(knob.value).toBe(7);
    expect(registry.view('concurrency')).toMatchObject({ value: 7, baseline: 3 });
  });

  it('reports no change when the owner does not take the value', () => {
    const registry = new TunableRegistry();
    // e.g. a knob of a worker that is not running: it keeps its value whatever it is told.
    registry.register({ name: 'stuck', get: () => 4, set: () => undefined, min: 1, max: 9 });
    expect(registry.preview({ tunable: 'stuck', op: 'add', value: 1 })).toEqual({
      tunable: 'stuck',
      from: 4,
      to: 5,
    });
    expect(registry.apply({ tunable: 'stuck', op: 'add', value: 1 })).toBeNull();
  });

  it('refuses min > max', () => {
    expect(() =>
      new TunableRegistry().register({
        name: 'x',
        get: () => 1,
        set: () => undefined,
        min: 5,
        max: 1,
      }),
    ).toThrow(RangeError);
  });
});
