/** Types for use-tokenizer.js (plain CommonJS so the worker thread can load it without ts-jest). */
export type UseVocabulary = Array<[string, number]>;

export declare class UseTokenizer {
  constructor(vocabulary: UseVocabulary);
  /** Ids identical to the reference tokenizer's `encode(text)`; the first `limit` of them if given. */
  encode(text: string, limit?: number): number[];
  count(text: string): number;
}

export declare function loadUseVocabulary(): UseVocabulary;
export declare function useVocabularyPath(): string;
/** One tokenizer per thread, built on first use (no model load). */
export declare function sharedUseTokenizer(): UseTokenizer;
