import { Presets, SingleBar } from 'cli-progress';
import { formatDuration } from './summary';

export interface ProgressReporter {
  /** `percent` 0..100; `detail` a short human text such as "12/40 jobs, 1 failed". */
  update(percent: number, detail: string): void;
  /** Shows the final state and releases the terminal line. */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** A bar on a terminal; plain lines elsewhere (CI, pipes). */
  tty: boolean;
  /** Non-TTY only: at most one line per interval. Default 5000. */
  intervalMs?: number;
  now?: () => number;
}

/** Redraws one bar in place. */
function barReporter(options: ProgressOptions): ProgressReporter {
  const bar = new SingleBar(
    {
      format: `${options.label} {bar} {percentage}% | {detail} | {duration_formatted}`,
      stream: options.stream,
      hideCursor: false,
      clearOnComplete: false,
      fps: 5,
    },
    Presets.shades_classic,
  );
  bar.start(100, 0, { detail: '' });
  return {
    update: (percent, detail) => bar.update(Math.floor(percent), { detail }),
    stop: () => bar.stop(),
  };
}

/** Writes a line at the first update, then at most once per interval, and a last one at stop. */
function lineReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5000;
  const started = now();
  let lastWritten: number | undefined;
  let last: { percent: number; detail: string } | undefined;
  let lastLine = '';
  const write = () => {
    if (!last) return;
    const line = `${options.label} ${Math.floor(last.percent)}% | ${last.detail} | ${formatDuration(now() - started)}`;
    if (line === lastLine) return;
    options.stream.write(`${line}\n`);
    lastLine = line;
    lastWritten = now();
  };
  return {
    update(percent, detail) {
      last = { percent, detail };
      if (lastWritten === undefined || now() - lastWritten >= intervalMs) write();
    },
    stop: write,
  };
}

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  return options.tty ? barReporter(options) : lineReporter(options);
}
