import * as core from '@energetic-ai/core';
import { loadSampleTexts, wordChunks } from './sample-texts';
import {
  createGraphRunner,
  positionsOf,
  sparseInput,
  type GraphRunner,
  type TensorFactory,
} from './use-lite-graph';
import { loadUseLiteModel } from './use-lite-model';
import { sharedUseTokenizer } from './use-tokenizer';

const samples = loadSampleTexts();
const tokenizer = sharedUseTokenizer();
const tf = core as unknown as TensorFactory & { memory(): { numTensors: number } };

/** A text past the graph's 128 positions, whatever the sample texts are (a fresh checkout has short ones). */
function longText(): string {
  let text = samples.documents.join(' ');
  while (tokenizer.encode(text).length <= 160) text = `${text} ${text}`;
  return text;
}

/** The sparse input the worker builds, without a length limit (the graph clips at 128). */
function sparse(texts: string[]): { indices: number[]; values: number[] } {
  return sparseInput(texts, (text) => tokenizer.encode(text));
}

function bits(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

describe('positionsOf (what the graph’s two Where ops find)', () => {
  it('keeps entries below the length limit and finds the token positions in row-major order', () => {
    // Row 0: columns 0..2; row 1: columns 0..3, the last past a limit of 3; one filler id (-1).
    const indices = [0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2, 1, 3];
    const values = [5, 6, -1, 7, 8, 9, 10];
    expect(positionsOf(indices, values, 3, -1)).toEqual({
      kept: [0, 1, 2, 3, 4, 5],
      positions: [0, 0, 0, 1, 1, 0, 1, 1, 1, 2],
      columns: [0, 1, 0, 1, 2],
    });
  });

  it('gives up on entries out of (row, column) order or repeated, where the order is unknown', () => {
    expect(positionsOf([0, 1, 0, 0], [4, 5], 128, -1)).toBeUndefined();
    expect(positionsOf([1, 0, 0, 0], [4, 5], 128, -1)).toBeUndefined();
    expect(positionsOf([0, 0, 0, 0], [4, 5], 128, -1)).toBeUndefined();
  });
});

describe('createGraphRunner (real model)', () => {
  let model: Awaited<ReturnType<typeof loadUseLiteModel>>;
  let compiled: GraphRunner;
  let general: GraphRunner['run'];

  beforeAll(async () => {
    model = await loadUseLiteModel();
    compiled = await createGraphRunner(model.model, tf, (text) => tokenizer.encode(text));
    const fallback = await createGraphRunner(model.model, tf, (text) => tokenizer.encode(text), {
      compiled: false,
    });
    expect(fallback.mode).toBe('async');
    general = fallback.run;
  });

  it('runs the pinned model’s graph the compiled way', () => {
    expect(compiled.mode).toBe('compiled');
  });

  it('falls back to executeAsync for a graph without the expected constants', async () => {
    const other = {
      weights: {},
      outputNodes: model.model.outputNodes,
      executeAsync: model.model.executeAsync.bind(model.model),
      execute: model.model.execute.bind(model.model),
    } as unknown as typeof model.model;
    const runner = await createGraphRunner(other, tf, (text) => tokenizer.encode(text));
    expect(runner.mode).toBe('async');
    const { indices, values } = sparse([samples.queries[1]]);
    const expected = await general(indices, values);
    expect(bits((await runner.run(indices, values)) as Float32Array)).toEqual(
      bits(expected as Float32Array),
    );
  });

  it('gives bit-identical output to executeAsync, for single texts and mixed batches', async () => {
    const chunks = wordChunks(samples.documents, 60, 8);
    const cases: string[][] = [
      [samples.queries[0]],
      ['a'],
      samples.queries.slice(1, 5),
      [chunks[0], samples.queries[6], chunks[1]],
      // Longer than the graph's limit of 128 positions: the graph drops the rest itself.
      [longText(), samples.queries[7]],
    ];
    for (const texts of cases) {
      const { indices, values } = sparse(texts);
      const expected = await general(indices, values);
      const actual = await compiled.run(indices, values);
      expect(actual).toHaveLength(texts.length * 512);
      expect(bits(actual as Float32Array).equals(bits(expected as Float32Array))).toBe(true);
    }
    expect(sparse([longText()]).values.length).toBeGreaterThan(128);
  });

  it('takes the general way, with the same output, when the entries are out of order', async () => {
    const { indices, values } = sparse([samples.queries[2]]);
    // Swap the first two entries (the graph scatters by index, so the output stays the same).
    [indices[1], indices[3]] = [indices[3], indices[1]];
    [values[0], values[1]] = [values[1], values[0]];
    const expected = await general(indices, values);
    const actual = await compiled.run(indices, values);
    expect(bits(actual as Float32Array).equals(bits(expected as Float32Array))).toBe(true);
  });

  it('leaves no tensors behind', async () => {
    const { indices, values } = sparse(samples.queries.slice(0, 3));
    await compiled.run(indices, values);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await compiled.run(indices, values);
    expect(tf.memory().numTensors).toBe(before);
  });
});
