import { Piscina } from 'piscina';
import type { TaskQueue } from 'piscina';

/** piscina's task type (not exported by name from its index). */
type Task = Parameters<TaskQueue['push']>[0];

export type EmbedPriority = 'interactive' | 'bulk';

/** What a pool task carries for the queue (piscina hands it over through queueOptionsSymbol). */
export interface PriorityQueueOptions {
  priority: EmbedPriority;
}

interface Queued {
  task: Task;
  /** Submission order, kept when piscina hands a task back. */
  seq: number;
  since: number;
}

function priorityOf(task: Task): EmbedPriority {
  const options = task[Piscina.queueOptionsSymbol as keyof Task] as PriorityQueueOptions | null;
  return options?.priority === 'bulk' ? 'bulk' : 'interactive';
}

/**
 * Two lanes for the model's worker threads: interactive work (search queries, waited on by a
 * person) is handed out before bulk work (document chunks of an ingest), so a query never
 * queues behind an ingest backlog, only behind the task a thread is already running.
 *
 * Bulk work is never starved: while interactive tasks wait, one bulk task goes ahead of them
 * per `bulkMaxWaitMs` (once the oldest has waited that long), so a flood of searches slows an
 * ingest down to a task per period but cannot stop it. One per period, not every overdue one:
 * under a deep ingest backlog every queued bulk task is overdue, and letting them all go first
 * made searches wait for the whole backlog (measured: 13% of searches timed out at 10 s).
 */
export class PriorityTaskQueue implements TaskQueue {
  private readonly lanes: Record<EmbedPriority, Queued[]> = { interactive: [], bulk: [] };
  /** Tasks seen before: piscina takes a task and pushes it back when no thread is free. */
  private readonly seen = new WeakMap<Task, Omit<Queued, 'task'>>();
  private nextSeq = 0;
  /** When a bulk task last went ahead of waiting interactive ones (and the time before it). */
  private overtook: { task: Task; before: number } | null = null;
  private lastOvertakeAt = -Infinity;

  constructor(
    private readonly bulkMaxWaitMs = 2000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.lanes.interactive.length + this.lanes.bulk.length;
  }

  /** New tasks join the end of their lane; a task handed back returns to its old place. */
  push(task: Task): void {
    if (this.overtook?.task === task) {
      // Handed back unrun: its turn ahead of the interactive lane was not used.
      this.lastOvertakeAt = this.overtook.before;
      this.overtook = null;
    }
    let entry = this.seen.get(task);
    if (!entry) {
      entry = { seq: this.nextSeq++, since: this.now() };
      this.seen.set(task, entry);
    }
    const lane = this.lanes[priorityOf(task)];
    let at = lane.length;
    while (at > 0 && lane[at - 1].seq > entry.seq) at--;
    lane.splice(at, 0, { task, ...entry });
  }

  unshift(task: Task): void {
    this.push(task);
  }

  shift(): Task | null {
    const { interactive, bulk } = this.lanes;
    if (interactive.length === 0 || bulk.length === 0) {
      return (interactive.shift() ?? bulk.shift())?.task ?? null;
    }
    const now = this.now();
    const bulkTurn = now - Math.max(bulk[0].since, this.lastOvertakeAt) >= this.bulkMaxWaitMs;
    if (!bulkTurn) return interactive.shift()?.task ?? null;
    const { task } = bulk.shift() as Queued;
    this.overtook = { task, before: this.lastOvertakeAt };
    this.lastOvertakeAt = now;
    return task;
  }

  remove(task: Task): void {
    for (const lane of Object.values(this.lanes)) {
      const index = lane.findIndex((queued) => queued.task === task);
      if (index >= 0) {
        lane.splice(index, 1);
        return;
      }
    }
  }
}
