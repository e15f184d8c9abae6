/**
 * Keeps a job that may have crashed its process away from other jobs. A job whose worker died
 * while running it comes back with a stall count; if it is what kills the process (a native
 * crash on some input), every job running beside it dies and stalls with it each time, and
 * after enough crashes they all end failed. So a job that has stalled runs alone: it starts only
 * once nothing else runs here, and nothing else starts while it runs. If it crashes again,
 * only it stalls, and BullMQ fails it after maxStalledCount with "job stalled more than
 * allowable limit", kept visible in the failed list.
 *
 * Callers that get `false` put the job back (delayed, no attempt spent) instead of waiting
 * while holding its lock: a job that waits in this process would stall with the suspect.
 */
export class CrashIsolation {
  private running = 0;
  private suspectRunning = false;
  private suspectWaiting = false;

  /** A job that never stalled: runs unless a suspect runs or waits for the others to finish. */
  enterRegular(): boolean {
    if (this.suspectRunning || this.suspectWaiting) return false;
    this.running += 1;
    return true;
  }

  /** A job that stalled before: runs only alone. */
  enterSuspect(): boolean {
    if (this.suspectRunning || this.running > 0) {
      this.suspectWaiting = true;
      return false;
    }
    this.suspectWaiting = false;
    this.suspectRunning = true;
    return true;
  }

  leaveRegular(): void {
    this.running = Math.max(0, this.running - 1);
  }

  leaveSuspect(): void {
    this.suspectRunning = false;
  }
}
