import { OptimizerRunner, type Task } from './optimizer-runner';
import { resolveOptimizerConfig } from './rules/optimizer-config';
import type { RuleDefinition } from './rules/rule.types';
import { sample } from './testing/sample-builder';
import { TunableRegistry } from './tunables';

const config = resolveOptimizerConfig({ cooldownMs: 30_000 });

/** A rule that asks for `concurrency + 1` whenever the search queue has jobs waiting. */
const moreWorkers: RuleDefinition = {
  name: 'more-workers',
  cooldownMs: (c) => c.cooldownMs,
  evaluate: (s) =>
    (s.queues.search?.waiting ?? 0) > 0
      ? {
          rule: 'more-workers',
          reason: 'busy',
          adjustments: [{ tunable: 'concurrency', op: 'add', value: 1 }],
        }
      : null,
};

const optimize: RuleDefinition = {
  name: 'optimize',
  cooldownMs: () => 60_000,
  evaluate: () => ({ rule: 'optimize', reason: 'rows', adjustments: [], task: 'optimizeStore' }),
};

const busy = sample({
  queues: { search: { waiting: 5, active: 2, delayed: 0, failed: 0, completed: 0 } },
});

function setup(max = 4, tasks = new Map<string, Task>()) {
  let concurrency = 2;
  const registry = new TunableRegistry();
  registry.register({
    name: 'concurrency',
    get: () => concurrency,
    set: (v) => (concurrency = v),
    min: 1,
    max,
  });
  const errors: string[] = [];
  const runner = new OptimizerRunner([moreWorkers, optimize], config, registry, tasks, (what) =>
    errors.push(what),
  );
  return { runner, value: () => concurrency, errors, registry };
}

describe('OptimizerRunner', () => {
  it('applies an action and then holds the rule for its cooldown', () => {
    const { runner, value } = setup();
    const t0 = 1_000_000;
    const [action] = runner.plan(busy, undefined, t0);
    expect(action.changes).toEqual([{ tunable: 'concurrency', from: 2, to: 3 }]);
    expect(runner.apply(action, t0).change).toBe('concurrency 2 -> 3');
    expect(value()).toBe(3);

    expect(runner.plan(busy, undefined, t0 + 29_999)).toEqual([]);
    const [again] = runner.plan(busy, undefined, t0 + 30_000);
    runner.apply(again, t0 + 30_000);
    expect(value()).toBe(4);
  });

  it('never moves a tunable past its bounds, and drops actions that would change nothing', () => {
    const { runner, value } = setup(3);
    let now = 0;
    for (let i = 0; i < 5; i++) {
      for (const action of runner.plan(busy, undefined, now)) runner.apply(action, now);
      now += 60_000;
    }
    expect(value()).toBe(3);
    // At the max the action is dropped, and dropping it starts no cooldown.
    expect(runner.plan(busy, undefined, now)).toEqual([]);
    expect(runner.isCooling('more-workers', now)).toBe(false);
  });

  it('runs nothing when disabled', () => {
    const registry = new TunableRegistry();
    const runner = new OptimizerRunner(
      [moreWorkers],
      resolveOptimizerConfig({ enabled: false }),
      registry,
      new Map(),
    );
    expect(runner.plan(busy, undefined, 0)).toEqual([]);
  });

  it('starts a task in the background, never twice at once, and reports its failure', async () => {
    let finish: () => void = () => undefined;
    let runs = 0;
    const tasks = new Map<string, Task>([
      [
        'optimizeStore',
        () => {
          runs++;
          return new Promise<void>((resolve, reject) => {
            finish = runs === 1 ? resolve : () => reject(new Error('disk full'));
          });
        },
      ],
    ]);
    const { runner, errors } = setup(4, tasks);
    const first = runner.plan(sample(), undefined, 0).find((a) => a.rule === 'optimize');
    expect(first).toBeDefined();
    expect(runner.apply(first!, 0).change).toBe('run optimizeStore');
    await new Promise((r) => setImmediate(r));
    expect(runner.runningTasks.has('optimizeStore')).toBe(true);
    // Past the cooldown, but the first run has not finished: not started again.
    const second = runner.plan(sample(), undefined, 120_000).find((a) => a.rule === 'optimize');
    expect(runner.apply(second!, 120_000).task).toBeUndefined();
    expect(runs).toBe(1);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(runner.runningTasks.has('optimizeStore')).toBe(false);

    const third = runner.plan(sample(), undefined, 240_000).find((a) => a.rule === 'optimize');
    runner.apply(third!, 240_000);
    await new Promise((r) => setImmediate(r));
    finish();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    expect(errors).toEqual(['task optimizeStore']);
  });

  it('applies a fleet action within this process bounds, without its task, and cools the rule', () => {
    const ran: string[] = [];
    const { runner, value } = setup(
      4,
      new Map<string, Task>([['optimizeStore', async () => void ran.push('x')]]),
    );
    const outcome = runner.applyRemote(
      {
        rule: 'more-workers',
        reason: 'busy elsewhere',
        adjustments: [{ tunable: 'concurrency', op: 'add', value: 10 }],
        task: 'optimizeStore',
      },
      0,
    );
    expect(value()).toBe(4);
    expect(outcome.change).toBe('concurrency 2 -> 4');
    expect(ran).toEqual([]);
    expect(runner.isCooling('more-workers', 1000)).toBe(true);
    const unknown = runner.applyRemote(
      { rule: 'other', reason: 'r', adjustments: [{ tunable: 'absent', op: 'add', value: 1 }] },
      0,
    );
    expect(unknown.change).toBe('no change here (absent +1)');
  });

  it('skips a tunable whose set() throws and still applies the rest', () => {
    const registry = new TunableRegistry();
    let ok = 1;
    registry.register({
      name: 'broken',
      get: () => 1,
      set: () => {
        throw new Error('nope');
      },
      min: 1,
      max: 9,
    });
    registry.register({ name: 'ok', get: () => ok, set: (v) => (ok = v), min: 1, max: 9 });
    const errors: string[] = [];
    const runner = new OptimizerRunner([], config, registry, new Map(), (what) =>
      errors.push(what),
    );
    const outcome = runner.apply(
      {
        rule: 'r',
        reason: 'x',
        adjustments: [
          { tunable: 'broken', op: 'add', value: 1 },
          { tunable: 'ok', op: 'add', value: 1 },
        ],
      },
      0,
    );
    expect(outcome.changes).toEqual([{ tunable: 'ok', from: 1, to: 2 }]);
    expect(errors).toEqual(['tunable broken']);
  });
});
