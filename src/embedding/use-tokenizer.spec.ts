import { initModel, type EmbeddingsModelData } from '@energetic-ai/embeddings';
import { loadSampleTexts, wordChunks } from './sample-texts';
import { normaliseEmbeddingText } from './text-normalisation';
import { loadUseVocabulary, UseTokenizer } from './use-tokenizer';
import { seededRandom } from '../common/seeded-random';

const vocabulary = loadUseVocabulary();
const fast = new UseTokenizer(vocabulary);
let reference: { encode(text: string): number[] };
const samples = loadSampleTexts();

function expectSameIds(text: string): void {
  const expected = reference.encode(text);
  expect({ text, ids: fast.encode(text) }).toEqual({ text, ids: expected });
  expect({ text, ids: fast.encode(text, 128) }).toEqual({ text, ids: expected.slice(0, 128) });
}

describe('UseTokenizer (fast equivalent of the USE lite tokenizer)', () => {
  beforeAll(async () => {
    // The package's own tokenizer: initModel with a source that holds the vocabulary and no
    // model. (It also waits for TF.js's backend, which importing the package starts.)
    const noModel = null as unknown as EmbeddingsModelData['model'];
    reference = (await initModel(async () => ({ vocabulary, model: noModel }))).tokenizer;
  });

  it(`gives the reference ids on real text (${samples.source})`, () => {
    const texts = [
      ...samples.queries,
      ...samples.documents.slice(0, 700),
      ...samples.documents.slice(0, 300).map(normaliseEmbeddingText),
    ];
    expect(texts.length).toBeGreaterThan(500);
    for (const text of texts) expectSameIds(text);
  });

  it('gives the reference ids on edge cases and random mixed-script strings', () => {
    const edge = [
      '',
      ' ',
      '   leading and trailing   ',
      'a',
      'UPPER lower MiXeD CamelCase',
      'café naïve ﬁle ① Ⅻ ｆｕｌｌｗｉｄｔｈ',
      '日本語のテキストと中文',
      'emoji 😀😀 🚀 x',
      '\ttabs\nand\r\nnewlines',
      '🙂🙂🙂',
      '\u0000\u0007 control',
    ];
    for (const text of edge) expectSameIds(text);

    const alphabet = [
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      ...'.,;:!?\'"()[]{}-_/\\@#$%^&*+=<>~`|',
      ...'     ',
      ...'éèàüößçñøåæœ',
      ...'中文日本語한국어',
      ...'😀🚀\t\n',
    ];
    const random = seededRandom(42);
    for (let i = 0; i < 400; i++) {
      const length = 1 + Math.floor(random() * 300);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      expectSameIds(text);
    }
  });

  it('stops early at a limit and counts all tokens', () => {
    const [chunk] = wordChunks(samples.documents, 200, 1);
    const all = reference.encode(chunk);
    expect(all.length).toBeGreaterThan(128);
    expect(fast.count(chunk)).toBe(all.length);
    expect(fast.encode(chunk, 128)).toEqual(all.slice(0, 128));
    expect(fast.encode(chunk, 0)).toEqual([]);
    expect(fast.count('')).toBe(0);
  });

  it('is much faster than the reference on 200-word chunks', () => {
    const chunks = wordChunks(samples.documents, 200, 60);
    const time = (fn: (text: string) => unknown): number => {
      const start = performance.now();
      for (const chunk of chunks) fn(chunk);
      return (performance.now() - start) / chunks.length;
    };
    time((t) => reference.encode(t)); // warm up both
    time((t) => fast.encode(t));
    const referenceMs = time((t) => reference.encode(t));
    const fullMs = time((t) => fast.encode(t));
    const limitedMs = time((t) => fast.encode(t, 128));
    console.log(
      `tokenizer ms per 200-word chunk: reference ${referenceMs.toFixed(2)}, fast ${fullMs.toFixed(3)}, fast limited to 128 ${limitedMs.toFixed(3)}`,
    );
    expect(fullMs * 3).toBeLessThan(referenceMs);
    expect(limitedMs * 5).toBeLessThan(referenceMs);
  });
});
