import { initModel, type EmbeddingsModelData } from '@energetic-ai/embeddings';
import { EmbeddingWorkerError, EmptyEmbeddingInputError } from './embedding.errors';
import { loadSampleTexts, wordChunks } from './sample-texts';
import { dot, toUnitVector } from './unit-vector';
import { USE_LITE_MAX_INPUT_TOKENS, UseLiteEmbedder, useLiteInput } from './use-lite.embedder';
import { loadUseLiteModel } from './use-lite-model';
import { UseLiteWorkerPool } from './use-lite.pool';
import { loadUseVocabulary, sharedUseTokenizer } from './use-tokenizer';

const samples = loadSampleTexts();
const chunks = wordChunks(samples.documents, 200, 24);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function bits(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

describe('UseLiteEmbedder (real model, 2 worker threads)', () => {
  let pool: UseLiteWorkerPool;
  let embedder: UseLiteEmbedder;

  beforeAll(async () => {
    pool = await UseLiteWorkerPool.start({ size: 2 });
    embedder = new UseLiteEmbedder(pool, sharedUseTokenizer(), { maxTextsPerTask: 8 });
  });

  afterAll(async () => {
    await embedder?.close();
  });

  it('returns one 512-dim unit vector per text, in input order', async () => {
    const texts = [...samples.queries.slice(0, 5), ...chunks.slice(0, 12)];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const vector of vectors) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(512);
      expect(Math.abs(Math.sqrt(dot(vector, vector)) - 1)).toBeLessThan(1e-5);
    }
    // Order: embedding each text alone gives the vector found at its position.
    const singles = await Promise.all(texts.map((text) => embedder.embed([text])));
    singles.forEach(([single], i) => expect(maxAbsDiff(single, vectors[i])).toBeLessThan(1e-6));
  });

  it('spreads a batch of queries over the idle threads only, one task when none is idle', async () => {
    const queries = samples.queries.slice(0, 4);
    let before = pool.tasksStarted;
    const spread = await embedder.embed(queries);
    expect(pool.tasksStarted - before).toBe(2);

    // One thread busy with documents: the queries go as one task, to the other thread.
    const oneBusy = pool.run(chunks.slice(0, 8), USE_LITE_MAX_INPUT_TOKENS, 'bulk');
    expect(pool.idleThreads).toBe(1);
    before = pool.tasksStarted;
    const whole = await embedder.embed(queries);
    expect(pool.tasksStarted - before).toBe(1);
    await oneBusy;

    // Both busy: still one task (it runs whole on the first thread to free up).
    const bothBusy = [0, 8].map((i) =>
      pool.run(chunks.slice(i, i + 8), USE_LITE_MAX_INPUT_TOKENS, 'bulk'),
    );
    expect(pool.idleThreads).toBe(0);
    before = pool.tasksStarted;
    const queued = await embedder.embed(queries);
    expect(pool.tasksStarted - before).toBe(1);
    await Promise.all(bothBusy);

    expect(pool.idleThreads).toBe(2);
    for (const vectors of [whole, queued]) {
      vectors.forEach((vector, i) => expect(maxAbsDiff(vector, spread[i])).toBeLessThan(1e-6));
    }
  });

  it('scores paraphrases clearly above unrelated sentences', async () => {
    const pairs: Array<[string, string]> = [
      ['How do I reset my password?', 'I forgot my login password and need to change it.'],
      ['The cat is sleeping on the sofa.', 'A kitten naps on the couch.'],
      [
        'Stock markets fell sharply today.',
        'Share prices dropped a lot on the exchange this afternoon.',
      ],
      ['What is the boiling point of water?', 'At what temperature does water boil?'],
      ['Libraries classify books by subject.', 'Books in a library are organised by topic.'],
    ];
    const vectors = await embedder.embed(pairs.flat());
    for (let i = 0; i < pairs.length; i++) {
      const paraphrase = dot(vectors[2 * i], vectors[2 * i + 1]);
      for (let j = 0; j < pairs.length; j++) {
        if (j === i) continue;
        const unrelated = Math.max(
          dot(vectors[2 * i], vectors[2 * j]),
          dot(vectors[2 * i], vectors[2 * j + 1]),
        );
        expect({ pair: pairs[i][0], margin: paraphrase - unrelated > 0.15 }).toEqual({
          pair: pairs[i][0],
          margin: true,
        });
      }
    }
  });

  it('embeds a text identically as a document (in a batch) and as a query (alone)', async () => {
    const query = samples.queries[0];
    const batch = await embedder.embed([chunks[0], query, chunks[1], 'short', chunks[2]]);
    const [alone] = await embedder.embed([query]);
    // The model's batched kernels round differently with the batch's shape (measured ~1e-7),
    // so across batches the vectors agree to float32 rounding, not always bit for bit.
    expect(maxAbsDiff(alone, batch[1])).toBeLessThan(1e-6);
    const [again] = await embedder.embed([query]);
    expect(bits(again).equals(bits(alone))).toBe(true);
    // Same content in another form (whitespace, compatibility characters) -> same vector.
    const [messy] = await embedder.embed([`  ${query.replace(/ /g, ' \n\t ')}  `]);
    expect(bits(messy).equals(bits(alone))).toBe(true);
    const [ligature] = await embedder.embed(['ﬁnding ﬁles']);
    const [plain] = await embedder.embed(['finding files']);
    expect(bits(ligature).equals(bits(plain))).toBe(true);
    const [capitalised] = await embedder.embed(['Finding Files']);
    expect(bits(capitalised).equals(bits(plain))).toBe(true);
  });

  it('rejects empty and whitespace-only texts with a clear error, before any work', async () => {
    const failuresBefore = pool.failureCount;
    await expect(embedder.embed(['fine', '', ' \n\t '])).rejects.toThrow(EmptyEmbeddingInputError);
    await expect(embedder.embed(['fine', '', ' \n\t '])).rejects.toMatchObject({
      indices: [1, 2],
    });
    expect(pool.failureCount).toBe(failuresBefore);
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it(`reads only the first ${USE_LITE_MAX_INPUT_TOKENS} tokens, which countTokens counts`, async () => {
    const long = chunks[3];
    expect(embedder.countTokens(long)).toBeGreaterThan(USE_LITE_MAX_INPUT_TOKENS + 20);
    const [whole, extended] = await embedder.embed([long, `${long} and an extra tail of words`]);
    expect(bits(whole).equals(bits(extended))).toBe(true);

    const short = samples.queries[1];
    expect(embedder.countTokens(short)).toBeLessThan(USE_LITE_MAX_INPUT_TOKENS);
    const [a, b] = await embedder.embed([short, `${short} and an extra tail of words`]);
    expect(bits(a).equals(bits(b))).toBe(false);

    expect(embedder.countTokens('')).toBe(0);
    expect(embedder.countTokens('  hello   world ')).toBe(embedder.countTokens('hello world'));
  });

  it('matches the package’s own EmbeddingsModel.embed on whole texts, bit for bit', async () => {
    const model = await loadUseLiteModel();
    const texts = [chunks[4], chunks[5], samples.queries[2], samples.documents[7]].map(
      useLiteInput,
    );
    // One text per call on both sides: a batch's shape changes the kernels' rounding (~1e-7),
    // and the pool splits a batch over its threads where the package runs it whole.
    for (const text of texts) {
      const [expected] = (await model.embed([text])).map(toUnitVector);
      const [actual] = await embedder.embed([text]);
      expect(bits(actual).equals(bits(expected))).toBe(true);
    }
    // And its tokenizer agrees with countTokens.
    const noModel = null as unknown as EmbeddingsModelData['model'];
    const { tokenizer: reference } = await initModel(async () => ({
      vocabulary: loadUseVocabulary(),
      model: noModel,
    }));
    for (const text of texts)
      expect(embedder.countTokens(text)).toBe(reference.encode(text).length);
  });

  it('keeps the caller’s event loop free while the model runs', async () => {
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await embedder.embed(chunks.slice(0, 24));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // Inference on this thread would stall the timer for a whole batch (~0.5 s per 8 chunks).
    expect(elapsed).toBeGreaterThan(300);
    expect(longestGap).toBeLessThan(250);
  });

  it("counts the model threads' CPU (Linux): their inference, not the caller's own work", async () => {
    if (process.platform !== 'linux') return;
    const before = embedder.cpuSeconds();
    expect(before).toBeGreaterThan(0); // loading and warming up the models
    const busyUntil = performance.now() + 300;
    while (performance.now() < busyUntil); // the caller's thread only
    const afterCallerWork = embedder.cpuSeconds() as number;
    expect(afterCallerWork - (before as number)).toBeLessThan(0.1);

    const processBefore = process.cpuUsage();
    await embedder.embed(chunks.slice(0, 32), { priority: 'bulk' });
    const processUsed = process.cpuUsage(processBefore);
    const modelUsed = (embedder.cpuSeconds() as number) - afterCallerWork;
    // 32 chunks of ~200 words cost seconds of model CPU (~65 ms each, measured)
    expect(modelUsed).toBeGreaterThan(0.5);
    // the model's threads are part of the process: never more than all of it (tick rounding aside)
    expect(modelUsed).toBeLessThanOrEqual((processUsed.user + processUsed.system) / 1e6 + 0.05);
  });

  it('survives a worker thread that dies mid-call: the call is retried, the thread replaced', async () => {
    expect(pool.threads).toHaveLength(2);
    const texts = chunks.slice(0, 16);
    const [expected] = await embedder.embed([texts[0]]);
    const inFlight = embedder.embed(texts);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const victim = pool.threads[0];
    await victim.terminate();
    const vectors = await inFlight;
    expect(vectors).toHaveLength(texts.length);
    expect(bits(vectors[0]).equals(bits(expected))).toBe(true);
    expect(pool.failureCount).toBeGreaterThan(0);

    const [next] = await embedder.embed([texts[0]]);
    expect(bits(next).equals(bits(expected))).toBe(true);
    expect(pool.threads).toHaveLength(2);
    expect(pool.threads).not.toContain(victim);
  });

  it('reports a task the worker throws on (after one retry) and keeps serving', async () => {
    // Only reachable through the pool directly: embed() rejects empty texts before this.
    await expect(pool.run([''], USE_LITE_MAX_INPUT_TOKENS)).rejects.toThrow(EmbeddingWorkerError);
    await expect(pool.run([''], USE_LITE_MAX_INPUT_TOKENS)).rejects.toThrow(/has no tokens/);
    const [vector] = await embedder.embed(['still working']);
    expect(vector).toHaveLength(512);
    expect(pool.threads).toHaveLength(2);
  });

  it('survives a thread that exits while idle', async () => {
    const cpuBefore = embedder.cpuSeconds() ?? 0;
    const victim = pool.threads[1];
    await victim.terminate();
    const [vector] = await embedder.embed(['still working']);
    expect(vector).toHaveLength(512);
    expect(pool.threads).toHaveLength(2);
    // The ended thread's CPU still counts: the total never goes down.
    expect(embedder.cpuSeconds() ?? 0).toBeGreaterThanOrEqual(cpuBefore);
  });
});
