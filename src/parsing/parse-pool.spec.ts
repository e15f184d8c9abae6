import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseDocument } from './parse-document';
import { ParsePool, ParseTimeoutError } from './parse-pool';

describe('ParsePool', () => {
  let pool: ParsePool;
  beforeAll(() => {
    pool = new ParsePool({ timeoutMs: 1500 });
  });
  afterAll(() => pool.close());

  it('parses in a worker thread exactly as in place', async () => {
    const html = '<h1>Install</h1><p>Run <b>npm ci</b>.</p><!-- note --><pre>npm start</pre>';
    const markdown = '# Title\n\nSome *text*.\n\n```js\ncode()\n```\n';
    expect(await pool.parse('html', html)).toEqual(parseDocument('html', html));
    expect(await pool.parse('markdown', markdown)).toEqual(parseDocument('markdown', markdown));
    expect(await pool.parse('text', 'plain words')).toEqual(parseDocument('text', 'plain words'));
  });

  it('stops a document past its time limit with a clear reason, and the event loop never waits', async () => {
    // ~4 MB of nested <div>: 1.6-2 s in place on a fast machine (Node 20 and 24 alike), so
    // well past a 500 ms limit however fast the machine; a limit near the parse time would
    // let a fast machine finish in time.
    const hostile = '<div>'.repeat(800_000);
    const strict = new ParsePool({ timeoutMs: 500 });
    try {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      await expect(strict.parse('html', hostile)).rejects.toBeInstanceOf(ParseTimeoutError);
      delay.disable();
      // In place, this document blocks the loop for seconds; the bound leaves room for a busy machine.
      expect(delay.max / 1e6).toBeLessThan(500);
      // The pool still works after its thread was stopped.
      expect((await strict.parse('html', '<p>after</p>')).text).toBe('after');
    } finally {
      await strict.close();
    }
  });

  it('names the limit in the error', () => {
    expect(new ParseTimeoutError(1500).message).toMatch(/within 1500 ms/);
  });
});
