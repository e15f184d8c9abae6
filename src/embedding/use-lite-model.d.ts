/** Types for use-lite-model.js (plain CommonJS so the worker thread can load it without ts-jest). */
import type { EmbeddingsModel } from '@energetic-ai/embeddings';

/** The model from the package's local weights, once the wasm backend is ready. */
export declare function loadUseLiteModel(): Promise<EmbeddingsModel>;
