'use strict';

/**
 * Runs the Universal Sentence Encoder lite graph as one compiled, synchronous plan.
 *
 * The graph holds two dynamic ops (`Where`), so tfjs would run it node by node through
 * executeAsync. Both only find positions in the sparse input: which entries lie below the
 * length limit (ClipToMaxLength) and where the dense token matrix holds a token (StoreMask).
 * Those positions are computed here from the input and fed in at the nodes that read them,
 * as tfjs allows for exactly this case; every other node runs the same kernels on the same
 * values, so the embeddings are bit-identical. It saves 1-2 ms of CPU per call: about a tenth
 * of a short query's cost, which is what a search miss sends (npm run bench:embed).
 *
 * Plain CommonJS for the worker thread (see use-lite.worker.js).
 */

const KONA = 'module_apply_default/Encoder_en/KonaTransformer/';
/** Const: entries whose column (token position) is at or past it are dropped. */
const CLIP_LIMIT = `${KONA}ClipToMaxLength/Less/y`;
/** Const: the dense token matrix's filler; a position holds a token where it is above it. */
const FILLER_ID = `${KONA}Encode/SparseToDense/default_value`;
/** Reshape(Where(column < limit), [-1]): the indices of the entries kept. */
const KEPT_ENTRIES = `${KONA}ClipToMaxLength/Reshape`;
/** Cast(Where(dense > filler), int32): [row, column] of every token, in row-major order. */
const TOKEN_POSITIONS = `${KONA}Encode/TransformerStack/Layer_1/TransformerLayer/FFN/StoreMask/ToInt32`;
/** The same Where's column of each position. */
const TOKEN_COLUMNS = `${KONA}Encode/TransformerStack/Layer_0/AddTimingSignal/strided_slice_2`;

/** Texts the two ways are compared on before the compiled way is trusted. */
const PROBE_TEXTS = [
  'How is the boundary layer affected by the pressure gradient?',
  'ragline',
  'Documents are chunked, embedded in adaptive batches and searched through two caches.',
];

/**
 * The graph's input for `texts`, as EmbeddingsModel.embed builds it: [row, column] pairs (flat)
 * and token ids, rows in order. `encode` gives a text's ids (cut at the caller's limit); texts
 * already encoded pass through it unchanged.
 */
function sparseInput(texts, encode) {
  const indices = [];
  const values = [];
  texts.forEach((text, row) => {
    const ids = encode(text);
    if (ids.length === 0) throw new Error(`text ${row} has no tokens`);
    ids.forEach((id, column) => {
      indices.push(row, column);
      values.push(id);
    });
  });
  return { indices, values };
}

/** The output's values; the tensor is disposed either way. */
async function readOutput(output) {
  try {
    return await output.data();
  } finally {
    output.dispose();
  }
}

function scalarWeight(graphModel, name) {
  const tensors = graphModel.weights[name];
  if (!tensors || tensors.length !== 1 || tensors[0].size !== 1) return undefined;
  return tensors[0].dataSync()[0];
}

/**
 * The positions both Where ops would find, or undefined when the entries are not in strictly
 * increasing (row, column) order: only then is the order of the positions certain.
 */
function positionsOf(indices, values, clipLimit, fillerId) {
  const kept = [];
  const positions = [];
  const columns = [];
  let lastRow = -1;
  let lastColumn = -1;
  for (let i = 0; i < values.length; i++) {
    const row = indices[2 * i];
    const column = indices[2 * i + 1];
    if (row < lastRow || (row === lastRow && column <= lastColumn)) return undefined;
    lastRow = row;
    lastColumn = column;
    if (!(column < clipLimit)) continue;
    kept.push(i);
    if (values[i] > fillerId) {
      positions.push(row, column);
      columns.push(column);
    }
  }
  return { kept, positions, columns };
}

/**
 * `run(indices, values)` for a graph model: indices are [row, column] pairs, flat, and values
 * the token ids; resolves to the raw output rows (texts x 512, not yet normalised).
 * `mode` tells which way was chosen: `compiled` when the graph has the expected nodes and the
 * compiled way gives bit-identical output on the probe texts, else `async` (executeAsync).
 * `{ compiled: false }` asks for the general way (to compare the two).
 */
async function createGraphRunner(graphModel, tf, encode, options = {}) {
  const runAsync = async (indices, values) => {
    const indexTensor = tf.tensor2d(indices, [values.length, 2], 'int32');
    const valueTensor = tf.tensor1d(values, 'int32');
    let output;
    try {
      output = await graphModel.executeAsync({ indices: indexTensor, values: valueTensor });
    } finally {
      indexTensor.dispose();
      valueTensor.dispose();
    }
    return readOutput(output);
  };

  const clipLimit = scalarWeight(graphModel, CLIP_LIMIT);
  const fillerId = scalarWeight(graphModel, FILLER_ID);
  const outputName = graphModel.outputNodes && graphModel.outputNodes[0];
  if (
    options.compiled === false ||
    clipLimit === undefined ||
    fillerId === undefined ||
    !outputName
  ) {
    return { mode: 'async', run: runAsync };
  }

  const runCompiled = async (indices, values) => {
    const found = positionsOf(indices, values, clipLimit, fillerId);
    if (!found) return runAsync(indices, values);
    const { kept, positions, columns } = found;
    const feeds = {
      indices: tf.tensor2d(indices, [values.length, 2], 'int32'),
      values: tf.tensor1d(values, 'int32'),
      [KEPT_ENTRIES]: tf.tensor1d(kept, 'int32'),
      [TOKEN_POSITIONS]: tf.tensor2d(positions, [columns.length, 2], 'int32'),
      [TOKEN_COLUMNS]: tf.tensor1d(columns, 'int32'),
    };
    let output;
    try {
      output = graphModel.execute(feeds, outputName);
    } finally {
      for (const tensor of Object.values(feeds)) tensor.dispose();
    }
    return readOutput(output);
  };

  try {
    const { indices, values } = sparseInput(PROBE_TEXTS, encode);
    const [expected, actual] = [
      await runAsync(indices, values),
      await runCompiled(indices, values),
    ];
    const identical =
      expected.length === actual.length && expected.every((value, i) => value === actual[i]);
    if (identical) return { mode: 'compiled', run: runCompiled };
  } catch {
    // A graph other than the one this was written for: the general way still works.
  }
  return { mode: 'async', run: runAsync };
}

module.exports = { createGraphRunner, positionsOf, sparseInput };
