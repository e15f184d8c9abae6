/** Types for use-lite-graph.js (plain CommonJS so the worker thread can load it without ts-jest). */
import type { EmbeddingsModel } from '@energetic-ai/embeddings';

/** The tensor constructors of the package's tfjs (its own typings do not resolve them). */
export interface TensorFactory {
  tensor1d(values: number[], dtype: 'int32'): { dispose(): void };
  tensor2d(values: number[], shape: [number, number], dtype: 'int32'): { dispose(): void };
}

export interface GraphRunner {
  /** `compiled`: one synchronous plan with the Where ops' positions fed in; `async`: executeAsync. */
  mode: 'compiled' | 'async';
  /** Raw output rows (texts x 512) for [row, column] pairs (flat) and their token ids. */
  run(indices: number[], values: number[]): Promise<Float32Array | Int32Array | Uint8Array>;
}

export declare function createGraphRunner(
  graphModel: EmbeddingsModel['model'],
  tf: TensorFactory,
  encode: (text: string) => number[],
  options?: { compiled?: boolean },
): Promise<GraphRunner>;

export declare function positionsOf(
  indices: number[],
  values: number[],
  clipLimit: number,
  fillerId: number,
): { kept: number[]; positions: number[]; columns: number[] } | undefined;

/**
 * [row, column] pairs (flat) and token ids of `texts`, rows in order; throws on a text without
 * tokens. `texts` may be already encoded (then `encode` passes them through).
 */
export declare function sparseInput<T = string>(
  texts: T[],
  encode: (text: T) => number[],
): { indices: number[]; values: number[] };
