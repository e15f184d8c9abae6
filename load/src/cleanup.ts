/**
 * Work that must happen however the run ends: on success, on an error, on Ctrl-C or SIGTERM
 * (stop the service and artillery, drop the run's Redis keys). Tasks run newest first.
 */
const tasks: { name: string; run: () => Promise<void> }[] = [];
let installed = false;
let interrupted = false;
let running: Promise<void> | undefined;

export function onExit(name: string, run: () => Promise<void>): () => void {
  install();
  const task = { name, run };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

/**
 * Runs every registered task once (newest first), reporting but not throwing failures. Callers
 * that arrive while a round is running (an error raised by an interrupted run, say) wait for it.
 */
export function runExitTasks(): Promise<void> {
  running ??= (async () => {
    while (tasks.length) {
      const task = tasks.pop() as (typeof tasks)[number];
      try {
        await task.run();
      } catch (err) {
        console.error(`cleanup (${task.name}) failed: ${(err as Error).message}`);
      }
    }
  })().finally(() => (running = undefined));
  return running;
}

/** Cleans up, then exits: with `code`, or 130 after Ctrl-C / SIGTERM. */
export async function finish(code: number): Promise<never> {
  await runExitTasks();
  process.exit(interrupted ? 130 : code);
}

function install(): void {
  if (installed) return;
  installed = true;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the service and the load generator, cleaning up...`);
    void finish(130);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
}
