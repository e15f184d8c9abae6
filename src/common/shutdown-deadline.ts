/** Time the closing steps after the drain (queues, connections, the store) get on top of it. */
export const SHUTDOWN_CLOSE_ALLOWANCE_MS = 2000;

/**
 * Makes a stop signal final: once one arrives, the process exits at the latest
 * `drainTimeoutMs + SHUTDOWN_CLOSE_ALLOWANCE_MS` later, whatever the graceful shutdown is
 * waiting for (closing a BullMQ queue waits for Redis, which may never come back). The timer
 * is unref'd, so a shutdown that finishes in time exits as usual.
 */
export function exitAfterStopDeadline(
  drainTimeoutMs: number,
  report: (message: string) => void,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  const arm = (signal: NodeJS.Signals) => {
    const limitMs = drainTimeoutMs + SHUTDOWN_CLOSE_ALLOWANCE_MS;
    setTimeout(() => {
      report(`${signal}: the shutdown did not finish within ${limitMs} ms; exiting now`);
      process.exit(1);
    }, limitMs).unref();
  };
  for (const signal of signals) process.once(signal, arm);
}
