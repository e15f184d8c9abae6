import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { EmbedPriority, PriorityTaskQueue } from './priority-task-queue';

type QueueTask = Parameters<PriorityTaskQueue['push']>[0];

function task(name: string, priority?: EmbedPriority): QueueTask & { name: string } {
  const options = priority ? { priority } : null;
  return { name, [Piscina.queueOptionsSymbol]: options } as unknown as QueueTask & {
    name: string;
  };
}

function drain(queue: PriorityTaskQueue): string[] {
  const names: string[] = [];
  for (let t = queue.shift(); t; t = queue.shift())
    names.push((t as unknown as { name: string }).name);
  return names;
}

describe('PriorityTaskQueue', () => {
  it('hands out interactive tasks before queued bulk ones, each lane in order', () => {
    const queue = new PriorityTaskQueue(1000, () => 0);
    queue.push(task('b1', 'bulk'));
    queue.push(task('b2', 'bulk'));
    queue.push(task('q1', 'interactive'));
    queue.push(task('q2'));
    expect(queue.size).toBe(4);
    expect(drain(queue)).toEqual(['q1', 'q2', 'b1', 'b2']);
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeNull();
  });

  it('lets a bulk task that waited too long go first, so searches cannot starve an ingest', () => {
    let now = 0;
    const queue = new PriorityTaskQueue(500, () => now);
    queue.push(task('b1', 'bulk'));
    now = 100;
    queue.push(task('q1', 'interactive'));
    queue.push(task('q2', 'interactive'));
    expect((queue.shift() as unknown as { name: string }).name).toBe('q1');
    queue.push(task('q3', 'interactive'));
    now = 600;
    expect(drain(queue)).toEqual(['b1', 'q2', 'q3']);
  });

  it('lets only one overdue bulk task go first per period, however deep the bulk backlog', () => {
    let now = 0;
    const queue = new PriorityTaskQueue(500, () => now);
    for (let i = 1; i <= 4; i++) queue.push(task(`b${i}`, 'bulk'));
    now = 1000; // every bulk task is overdue now
    for (let i = 1; i <= 3; i++) queue.push(task(`q${i}`, 'interactive'));
    const next = () => (queue.shift() as unknown as { name: string }).name;
    expect(next()).toBe('b1');
    expect(next()).toBe('q1');
    now = 1400;
    expect(next()).toBe('q2');
    now = 1500; // a period after b1 went first
    const b2 = queue.shift();
    expect((b2 as unknown as { name: string }).name).toBe('b2');
    // piscina finds no free thread and hands it back: the turn was not used, so it stays due.
    queue.push(b2!);
    expect(next()).toBe('b2');
    expect(next()).toBe('q3');
    // no interactive task waiting: bulk goes on at once
    expect(drain(queue)).toEqual(['b3', 'b4']);
  });

  it('removes a task from whichever lane holds it, and puts a handed-back task in its old place', () => {
    const queue = new PriorityTaskQueue(1000, () => 0);
    const q1 = task('q1', 'interactive');
    const q2 = task('q2', 'interactive');
    queue.push(task('b1', 'bulk'));
    queue.push(q1);
    queue.push(q2);
    queue.push(task('q3', 'interactive'));
    queue.remove(q1);
    queue.remove(task('absent'));
    expect(queue.size).toBe(3);
    // piscina takes a task, finds no free thread and pushes it back: it must not lose its turn.
    expect(queue.shift()).toBe(q2);
    queue.push(q2);
    expect(drain(queue)).toEqual(['q2', 'q3', 'b1']);
  });
});

describe('PriorityTaskQueue in a real piscina pool', () => {
  let dir: string;
  let pool: Piscina<{ name: string; ms: number }, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragline-queue-'));
    const worker = join(dir, 'worker.js');
    writeFileSync(
      worker,
      'module.exports = ({ name, ms }) => new Promise((r) => setTimeout(() => r(name), ms));\n',
    );
    pool = new Piscina({
      filename: worker,
      minThreads: 1,
      maxThreads: 1,
      taskQueue: new PriorityTaskQueue(60_000),
    });
  });

  afterAll(async () => {
    await pool?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (name: string, priority: EmbedPriority, order: string[]) =>
    pool
      .run({ name, ms: 30, [Piscina.queueOptionsSymbol]: { priority } } as {
        name: string;
        ms: number;
      })
      .then((result) => order.push(result));

  it('runs a query submitted behind a bulk backlog right after the task already running', async () => {
    await run('warm', 'interactive', []);
    const order: string[] = [];
    const bulk = [0, 1, 2, 3, 4].map((i) => run(`bulk${i}`, 'bulk', order));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([run('query', 'interactive', order), ...bulk]);
    // One thread: completion order is dispatch order, whatever the machine's load.
    expect(order).toEqual(['bulk0', 'query', 'bulk1', 'bulk2', 'bulk3', 'bulk4']);
  });
});
