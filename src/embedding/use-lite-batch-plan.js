'use strict';

/**
 * Splits one task's texts into the model calls that cost least.
 *
 * The model pads every row of a call to the call's longest text, and its cost grows faster
 * than the length (attention), so a short query batched with a long one costs almost as much
 * as a second long one. Each call also has a fixed cost, which batching texts of similar
 * length shares. The plan sorts the texts by token count and cuts the sorted list where a new
 * call is cheaper than padding, by dynamic programming over the cut points (n <= a task's
 * texts, so O(n^2) of arithmetic).
 *
 * Measured with the compiled graph (CPU per query, least of 4 rounds, batches of 4 queries as
 * they arrive): CISI's queries (7-128 tokens) 28.6 ms as one call, 22.1 ms one by one, 20.6 ms
 * planned; Cranfield's (10-48 tokens) 15.0, 17.4 and 14.7 ms.
 *
 * Plain CommonJS for the worker thread (see use-lite.worker.js).
 */

/**
 * The cost model, in ms of CPU on the machine it was fitted on; only the ratios matter.
 * Fitted to single calls and calls of 4 equal lengths from 8 to 128 tokens: a call costs
 * CALL_COST plus rowCost(longest) per row, and a padded row about PADDED_ROW_SHARE of the
 * difference to its own rowCost (the padding is masked in attention, not in every op).
 */
const CALL_COST = 7;
const PADDED_ROW_SHARE = 0.75;

function rowCost(tokens) {
  return 1 + 0.27 * tokens + 0.0012 * tokens * tokens;
}

/**
 * `lengths`: each text's token count (what the model reads). Returns groups of indices into
 * it, one group per model call, every index exactly once; within a group the indices go from
 * the shortest text to the longest.
 */
function planModelCalls(lengths) {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const count = order.length;
  // least[j]: the cheapest plan for the first j texts in sorted order; start[j]: where its
  // last call begins.
  const least = new Float64Array(count + 1);
  const start = new Int32Array(count + 1);
  for (let end = 1; end <= count; end++) {
    least[end] = Infinity;
    const widest = rowCost(lengths[order[end - 1]]);
    let own = 0;
    for (let first = end - 1; first >= 0; first--) {
      own += rowCost(lengths[order[first]]);
      const rows = end - first;
      const cost = least[first] + CALL_COST + own + PADDED_ROW_SHARE * (rows * widest - own);
      if (cost < least[end]) {
        least[end] = cost;
        start[end] = first;
      }
    }
  }
  const calls = [];
  for (let end = count; end > 0; end = start[end]) calls.push(order.slice(start[end], end));
  return calls.reverse();
}

module.exports = { planModelCalls };
