import type { MonitorSample } from './monitor.types';
import type { OptimizerConfig } from './rules/optimizer-config';
import type { RuleAction, RuleDefinition } from './rules/rule.types';
import {
  type Adjustment,
  type AppliedChange,
  describeAdjustment,
  type TunableRegistry,
} from './tunables';

export type Task = () => Promise<void>;

/** A rule's action that would change something in this process. */
export interface PlannedAction extends RuleAction {
  /** What the adjustments would change here, as of planning. */
  changes: AppliedChange[];
}

export interface ActionOutcome {
  rule: string;
  reason: string;
  /** What changed in this process. */
  changes: AppliedChange[];
  task?: string;
  /** One line for logs and the performance endpoint, e.g. `searchConcurrency 2 -> 3`. */
  change: string;
}

export function describeOutcome(
  changes: AppliedChange[],
  task: string | undefined,
  requested: Adjustment[],
): string {
  const parts = changes.map((c) => `${c.tunable} ${c.from} -> ${c.to}`);
  if (task) parts.push(`run ${task}`);
  if (parts.length > 0) return parts.join(', ');
  return `no change here (${requested.map(describeAdjustment).join(', ') || 'nothing'})`;
}

/**
 * Runs the rules over a sample and applies what they ask: the shared part of every rule.
 * - Cooldown: a rule that acted (here or, reported through markActed, elsewhere in the fleet) is
 *   not evaluated again before its cooldown ends.
 * - Bounds: changes are clamped to each tunable's [min, max] (see resolveAdjustment); an action
 *   that would change nothing here and runs no task is dropped, so it neither counts nor cools.
 * - Tasks: started in the background, never twice at once; failures go to onError, as do
 *   tunables whose set() throws (that change is skipped, the rest of the action applies).
 */
export class OptimizerRunner {
  private readonly lastActedAt = new Map<string, number>();
  private readonly running = new Set<string>();

  constructor(
    private readonly rules: readonly RuleDefinition[],
    private readonly config: OptimizerConfig,
    private readonly tunables: TunableRegistry,
    private readonly tasks: ReadonlyMap<string, Task>,
    /** Told about tasks that failed and tunables whose set() threw (`what` names which). */
    private readonly onError: (what: string, error: unknown) => void = () => undefined,
  ) {}

  get runningTasks(): ReadonlySet<string> {
    return this.running;
  }

  isCooling(rule: string, now: number): boolean {
    const definition = this.rules.find((r) => r.name === rule);
    const last = this.lastActedAt.get(rule);
    if (last === undefined) return false;
    const cooldown = definition ? definition.cooldownMs(this.config) : this.config.cooldownMs;
    return now - last < cooldown;
  }

  /** Starts (or restarts) a rule's cooldown. */
  markActed(rule: string, now: number): void {
    this.lastActedAt.set(rule, now);
  }

  /** The actions the rules ask for now, skipping rules in cooldown and actions that change nothing. */
  plan(sample: MonitorSample, previous: MonitorSample | undefined, now: number): PlannedAction[] {
    if (!this.config.enabled) return [];
    const state = {
      now,
      previous,
      tunables: this.tunables.views(),
      tasks: new Set(this.tasks.keys()),
      runningTasks: new Set(this.running),
    };
    const planned: PlannedAction[] = [];
    for (const rule of this.rules) {
      if (this.isCooling(rule.name, now)) continue;
      const action = rule.evaluate(sample, state, this.config);
      if (!action) continue;
      const changes = action.adjustments
        .map((a) => this.tunables.preview(a))
        .filter((c): c is AppliedChange => c !== null);
      const runsTask = action.task !== undefined && this.tasks.has(action.task);
      if (changes.length === 0 && !runsTask) continue;
      planned.push({ ...action, task: runsTask ? action.task : undefined, changes });
    }
    return planned;
  }

  /** Applies a planned action here: tunables, then its task; starts the rule's cooldown. */
  apply(action: RuleAction, now: number): ActionOutcome {
    this.markActed(action.rule, now);
    const changes = this.applyAdjustments(action.adjustments);
    const task = action.task && this.startTask(action.task) ? action.task : undefined;
    return {
      rule: action.rule,
      reason: action.reason,
      changes,
      task,
      change: describeOutcome(changes, task, action.adjustments),
    };
  }

  /**
   * Applies an action decided by another process: its adjustments to this process's tunables,
   * within this process's bounds. Its task is not run here (the deciding process runs it), and
   * the rule's cooldown starts here too, so the fleet does not act twice on one condition.
   */
  applyRemote(action: RuleAction, now: number): ActionOutcome {
    this.markActed(action.rule, now);
    const changes = this.applyAdjustments(action.adjustments);
    return {
      rule: action.rule,
      reason: action.reason,
      changes,
      change: describeOutcome(changes, undefined, action.adjustments),
    };
  }

  private applyAdjustments(adjustments: Adjustment[]): AppliedChange[] {
    const changes: AppliedChange[] = [];
    for (const adjustment of adjustments) {
      try {
        const change = this.tunables.apply(adjustment);
        if (change) changes.push(change);
      } catch (error) {
        this.onError(`tunable ${adjustment.tunable}`, error);
      }
    }
    return changes;
  }

  private startTask(name: string): boolean {
    const task = this.tasks.get(name);
    if (!task || this.running.has(name)) return false;
    this.running.add(name);
    void Promise.resolve()
      .then(task)
      .catch((error: unknown) => this.onError(`task ${name}`, error))
      .finally(() => this.running.delete(name));
    return true;
  }
}
