'use strict';

/**
 * Piscina worker: one Universal Sentence Encoder lite model per thread. Plain CommonJS so it
 * runs unchanged from src/ (under ts-jest) and from dist/ (tsc copies it with allowJs).
 *
 * Task: `{ texts, maxInputTokens, niceIncrement, baseNiceIncrement }`, texts already
 * normalised and non-empty; the increments are added to the thread's starting nice value.
 * Result: a Float32Array of texts.length x 512 unit-length rows, transferred (not copied).
 */

const { readlinkSync } = require('node:fs');
const os = require('node:os');
const { BroadcastChannel } = require('node:worker_threads');
const { move, workerData } = require('piscina');
const { tensor1d, tensor2d } = require('@energetic-ai/core');
const { sharedUseTokenizer } = require('./use-tokenizer.js');
const { loadUseLiteModel } = require('./use-lite-model.js');
const { createGraphRunner, sparseInput } = require('./use-lite-graph.js');
const { planModelCalls } = require('./use-lite-batch-plan.js');

const DIMENSIONS = 512;

/**
 * Tells the pool this thread's OS id (Linux), on the pool's own channel, so the pool can read
 * how much CPU its model threads use (/proc/self/task/<id>/stat).
 */
function announceThread() {
  const channelName = workerData && workerData.threadsChannel;
  if (!channelName || process.platform !== 'linux') return;
  let tid;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return;
  }
  const channel = new BroadcastChannel(channelName);
  channel.postMessage({ tid });
  channel.close();
}
announceThread();

const runnerPromise = loadUseLiteModel().then((model) =>
  createGraphRunner(model.model, { tensor1d, tensor2d }, (text) =>
    sharedUseTokenizer().encode(text),
  ),
);
// Loading starts with the thread; a failure surfaces with its real message on the first task.
runnerPromise.catch(() => undefined);

/**
 * Each task runs at its own nice value: document embeddings can yield the CPU to the event
 * loop and to search queries, queries do not yield to anyone. On Linux the nice value belongs
 * to the thread, so this never touches the caller's event loop; elsewhere it would renice the
 * whole process, so it is Linux only. Going back down needs CAP_SYS_NICE or RLIMIT_NICE: the
 * first time, a one-step probe finds out, and without it the thread stays at its base value
 * rather than getting stuck at the bulk one.
 */
const NICE_CHANNEL = 'ragline:use-lite:nice';
const threadNice = {
  start: process.platform === 'linux' ? os.getPriority() : null,
  current: null,
  canLower: null,
};
threadNice.current = threadNice.start;

function probeCanLower() {
  const base = threadNice.current;
  if (base >= 19) return false;
  try {
    os.setPriority(base + 1);
  } catch {
    return false;
  }
  try {
    os.setPriority(base);
    return true;
  } catch {
    threadNice.current = base + 1;
    // Told to the pool (which warns once) rather than printed here: a thread's stderr can be
    // lost when the pool ends it.
    const channel = new BroadcastChannel(NICE_CHANNEL);
    channel.postMessage({ canLower: false });
    channel.close();
    return false;
  }
}

function applyNice(increment, baseIncrement) {
  if (threadNice.start === null || !Number.isInteger(increment)) return;
  const clamp = (value) => Math.max(-20, Math.min(19, threadNice.start + value));
  let target = clamp(increment);
  if (target === threadNice.current) return;
  if (threadNice.canLower === null) threadNice.canLower = probeCanLower();
  if (!threadNice.canLower) {
    // Without a way back, the base value is the only safe one.
    target = clamp(Number.isInteger(baseIncrement) ? baseIncrement : 0);
    if (target <= threadNice.current) return;
  }
  try {
    os.setPriority(target);
    threadNice.current = target;
  } catch {
    // Not allowed here: keep running at the current value.
  }
}

/** Writes row r of the model's output, scaled to unit length, to row targets[r] of `out`. */
function writeUnitRows(data, targets, out) {
  targets.forEach((target, r) => {
    const from = r * DIMENSIONS;
    const to = target * DIMENSIONS;
    let sum = 0;
    for (let d = 0; d < DIMENSIONS; d++) sum += data[from + d] * data[from + d];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let d = 0; d < DIMENSIONS; d++) out[to + d] = data[from + d] * scale;
  });
}

async function embed(task) {
  const runner = await runnerPromise;
  const { texts, maxInputTokens, niceIncrement, baseNiceIncrement } = task;
  applyNice(niceIncrement, baseNiceIncrement);
  if (texts.length === 0) return new Float32Array(0);
  const tokenizer = sharedUseTokenizer();
  const ids = texts.map((text) => tokenizer.encode(text, maxInputTokens));
  const empty = ids.findIndex((row) => row.length === 0);
  if (empty >= 0) throw new Error(`text ${empty} has no tokens`);
  const out = new Float32Array(texts.length * DIMENSIONS);
  // Texts of similar length share a call; a short one is not padded to a long one's length.
  for (const call of planModelCalls(ids.map((row) => row.length))) {
    const { indices, values } = sparseInput(
      call.map((i) => ids[i]),
      (row) => row,
    );
    writeUnitRows(await runner.run(indices, values), call, out);
  }
  return move(out);
}

module.exports = embed;
