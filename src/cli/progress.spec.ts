import { PassThrough } from 'node:stream';
import { createProgressReporter } from './progress';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('createProgressReporter without a terminal', () => {
  it('writes plain lines: the first update, then at most one per interval, and the final state on stop', () => {
    const out = capture();
    let now = 0;
    const reporter = createProgressReporter({
      label: 'processing',
      stream: out.stream,
      tty: false,
      intervalMs: 5000,
      now: () => now,
    });

    reporter.update(0, '0/4 jobs done');
    now = 1000;
    reporter.update(25, '1/4 jobs done');
    now = 6000;
    reporter.update(50, '2/4 jobs done');
    now = 7000;
    reporter.update(100, '4/4 jobs done');
    reporter.stop();

    expect(out.text()).toBe(
      [
        'processing 0% | 0/4 jobs done | 0 ms',
        'processing 50% | 2/4 jobs done | 6.0 s',
        'processing 100% | 4/4 jobs done | 7.0 s',
        '',
      ].join('\n'),
    );
    expect(out.text()).not.toContain('\r');
  });

  it('writes nothing when stopped before any update', () => {
    const out = capture();
    createProgressReporter({ label: 'sending', stream: out.stream, tty: false }).stop();
    expect(out.text()).toBe('');
  });
});

describe('createProgressReporter on a terminal', () => {
  it('draws a bar with the percentage and detail', () => {
    const out = capture();
    const stream = Object.assign(out.stream, {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    const reporter = createProgressReporter({ label: 'processing', stream, tty: true });

    reporter.update(40, '2/5 jobs done, 0 failed');
    reporter.stop();

    expect(out.text()).toContain('processing');
    expect(out.text()).toContain('40% | 2/5 jobs done, 0 failed');
  });
});
