import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UseLiteEmbedder } from './use-lite.embedder';
import { USE_LITE_NICE_CHANNEL, USE_LITE_WORKER_FILE, UseLiteWorkerPool } from './use-lite.pool';
import { sharedUseTokenizer } from './use-tokenizer';

const linux = process.platform === 'linux';
const root = typeof process.getuid === 'function' && process.getuid() === 0;

/** The nice value of every thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

(linux ? describe : describe.skip)('use-lite worker threads: nice value per task', () => {
  let embedder: UseLiteEmbedder;
  let pool: UseLiteWorkerPool;
  let processNice: number;

  beforeAll(async () => {
    processNice = Math.min(...threadNiceValues());
    pool = await UseLiteWorkerPool.start({ size: 1, bulkNiceIncrement: 7 });
    embedder = new UseLiteEmbedder(pool, sharedUseTokenizer());
  });

  afterAll(async () => {
    await embedder?.close();
  });

  it('embeds documents at the bulk nice value and queries at the base one, never renicing the caller', async () => {
    expect(pool.bulkNiceApplies).toBe(true);
    await embedder.embed(['a document chunk about boundary layers'], { priority: 'bulk' });
    expect(threadNiceValues()).toContain(processNice + 7);

    await embedder.embed(['a search query'], { priority: 'interactive' });
    expect(threadNiceValues()).not.toContain(processNice + 7);
    expect(Math.max(...threadNiceValues())).toBe(processNice);
  });
});

/** Whether the unprivileged user (nobody) can run this very node binary (not one under /root). */
const nobodyCanRunNode =
  linux &&
  root &&
  spawnSync(process.execPath, ['-e', '0'], { uid: 65534, gid: 65534 }).status === 0;
if (linux && root && !nobodyCanRunNode) {
  console.warn(`SKIPPED the unprivileged nice test: user nobody cannot run ${process.execPath}`);
}

/**
 * Run as an unprivileged user, a thread cannot lower its nice value again: the worker must
 * then keep documents at the base value rather than leave queries stuck at the bulk one.
 */
(nobodyCanRunNode ? it : it.skip)(
  'without the right to lower it again, a thread keeps queries at (about) the base nice value',
  () => {
    const script = `
      const { Piscina } = require('piscina');
      const { BroadcastChannel } = require('node:worker_threads');
      const fs = require('node:fs');
      let told = false;
      const channel = new BroadcastChannel(process.argv[2]);
      channel.onmessage = (event) => { told = event.data.canLower === false; };
      const nice = () => Math.max(...fs.readdirSync('/proc/self/task').map((tid) => {
        const stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      }));
      const pool = new Piscina({ filename: process.argv[1], minThreads: 1, maxThreads: 1 });
      const task = (texts, niceIncrement) => ({ texts, maxInputTokens: 16, niceIncrement, baseNiceIncrement: 0 });
      (async () => {
        const before = nice();
        await pool.run(task(['a document chunk'], 7));
        const afterDocument = nice();
        await pool.run(task(['a search query'], 0));
        await new Promise((resolve) => setTimeout(resolve, 100));
        console.log(JSON.stringify({ before, afterDocument, afterQuery: nice(), told }));
        channel.close();
        await pool.destroy();
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    const child = spawnSync(
      process.execPath,
      ['-e', script, USE_LITE_WORKER_FILE, USE_LITE_NICE_CHANNEL],
      {
        cwd: join(__dirname, '..', '..'),
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.status).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
      before: number;
      afterDocument: number;
      afterQuery: number;
      told: boolean;
    };
    // The one-step probe may leave it one above the base; never at the bulk value.
    expect(seen.afterDocument).toBeLessThanOrEqual(seen.before + 1);
    expect(seen.afterQuery).toBeLessThanOrEqual(seen.before + 1);
    // ...and it tells the pool, which warns the operator once.
    expect(seen.told).toBe(true);
  },
);
