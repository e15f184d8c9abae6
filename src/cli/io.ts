/** What a CLI command touches outside itself, so tests can run it in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  /** Progress and notes go here; the bar only when it is a terminal. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => number;
  /** Plain progress lines (non-TTY): at most one per interval. */
  progressIntervalMs: number;
  /** Pause between job polls when the job event stream is not available. */
  pollMs: number;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
    progressIntervalMs: 5000,
    pollMs: 2000,
  };
}

/** A bar only on an interactive terminal; CI sets CI=true even when it fakes a TTY. */
export function wantsProgressBar(io: CliIO): boolean {
  const ci = io.env.CI;
  return (
    Boolean(io.stderr.isTTY) && (ci === undefined || ci === '' || ci === 'false' || ci === '0')
  );
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
