/** Types for use-lite-batch-plan.js (plain CommonJS so the worker thread can load it without ts-jest). */

/**
 * The model calls for texts of these token counts: groups of indices into `lengths`, each
 * index once, each group sorted from the shortest text to the longest.
 */
export declare function planModelCalls(lengths: number[]): number[][];
