import { seededRandom } from '../common/seeded-random';
import { tokenize } from '../store/bm25/tokenizer';
import { LexicalIndex, queryTerms, TEXTBOOK_BM25 } from './lexical-index';

/** Textbook BM25 by hand: Lucene's non-negative IDF, k1 0.9, b 0.4. */
function bm25(tf: number, df: number, n: number, length: number, average: number): number {
  const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const { k1, b } = TEXTBOOK_BM25;
  return (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / average));
}

describe('LexicalIndex', () => {
  const docs: Record<string, string> = {
    a: 'queues keep jobs; workers take jobs from queues',
    b: 'vectors are kept on disk',
    c: 'jobs jobs jobs everywhere and more words in this longer document about nothing',
  };

  function build(): LexicalIndex {
    const index = new LexicalIndex();
    for (const [id, text] of Object.entries(docs)) index.setDocument(id, text);
    return index;
  }

  it('scores whole documents with the textbook formula', () => {
    const index = build();
    const ranked = index.searchDocuments(queryTerms('jobs'), 10);
    const length = (id: string) => tokenize(docs[id]).length;
    const lengths = { a: length('a'), c: length('c') };
    const average = (lengths.a + length('b') + lengths.c) / 3;
    expect(ranked.map((r) => index.documentIdOf(r.slot))).toEqual(['c', 'a']);
    expect(ranked[0].score).toBeCloseTo(bm25(3, 2, 3, lengths.c, average), 10);
    expect(ranked[1].score).toBeCloseTo(bm25(2, 2, 3, lengths.a, average), 10);
  });

  it('ends in the same state whatever the order of writes, replacements and removals', () => {
    const fresh = build();
    const churned = new LexicalIndex();
    churned.setDocument('c', 'something else entirely');
    churned.setDocument('x', 'a document that will go away with jobs');
    for (const id of ['b', 'a', 'c']) churned.setDocument(id, docs[id]);
    churned.setDocument('x', null);
    for (const query of ['jobs queues', 'vectors disk', 'document words']) {
      const score = (index: LexicalIndex) =>
        index
          .searchDocuments(queryTerms(query), 10)
          .map((r) => [index.documentIdOf(r.slot), r.score.toFixed(9)]);
      expect(score(churned)).toEqual(score(fresh));
    }
  });

  it('keeps only accepted documents and breaks ties by id', () => {
    const index = new LexicalIndex();
    index.setDocument('z', 'same words');
    index.setDocument('m', 'same words');
    index.setDocument('q', 'same words');
    const all = index
      .searchDocuments(queryTerms('words'), 10)
      .map((r) => index.documentIdOf(r.slot));
    expect(all).toEqual(['m', 'q', 'z']);
    const accepted = index
      .searchDocuments(queryTerms('words'), 1, (slot) => index.documentIdOf(slot) !== 'm')
      .map((r) => index.documentIdOf(r.slot));
    expect(accepted).toEqual(['q']);
  });

  it('gives a fusion the same best documents and scores, unordered, as the ranking', () => {
    const random = seededRandom(5);
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const index = new LexicalIndex();
    for (let d = 0; d < 300; d++) {
      const text = Array.from({ length: 20 }, () => words[Math.floor(random() * random() * 40)]);
      index.setDocument(`d${d}`, text.join(' '));
    }
    const odd = (slot: number) => Number(index.documentIdOf(slot).slice(1)) % 2 === 1;
    for (const [query, limit, accept] of [
      ['w0 w3 w17', 200, undefined],
      ['w1 w2', 10, undefined],
      ['w5 w6 w30', 64, odd],
    ] as const) {
      const ranked = index.searchDocuments(queryTerms(query), limit, accept);
      const scores = index.documentScores(queryTerms(query), limit, accept);
      expect(ranked).toHaveLength(limit);
      expect(new Map(ranked.map((r) => [r.slot, r.score]))).toEqual(scores);
    }
  });

  it('ranks chunks with their own term statistics', () => {
    const index = build();
    index.setChunk(1, 'jobs and queues');
    index.setChunk(2, 'nothing relevant here at all');
    const chunkScore = index.chunkScorer(queryTerms('jobs queues'));
    expect(chunkScore(1)).toBeGreaterThan(0);
    expect(chunkScore(2)).toBe(0);
  });

  it('answers as a fresh index after a long random history of writes, replacements and removals', () => {
    const random = seededRandom(21);
    const vocabulary = Array.from(
      { length: 40 },
      (_, i) => `term${String.fromCharCode(97 + (i % 26))}${i}`,
    );
    // a few words in most documents, many in few (so postings are long and short)
    const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 2)];
    const text = () => Array.from({ length: 3 + Math.floor(random() * 30) }, word).join(' ');
    const churned = new LexicalIndex();
    const final = new Map<string, string>();
    for (let step = 0; step < 3000; step++) {
      const id = `d${Math.floor(random() * 150)}`;
      if (random() < 0.25) {
        churned.setDocument(id, null);
        final.delete(id);
      } else {
        const body = text();
        churned.setDocument(id, body);
        final.set(id, body);
      }
    }
    const fresh = new LexicalIndex();
    for (const [id, body] of final) fresh.setDocument(id, body);
    expect(churned.documentCount).toBe(final.size);
    for (let q = 0; q < 30; q++) {
      const query = queryTerms(`${word()} ${word()} ${vocabulary[q]}`);
      const ranked = (index: LexicalIndex) =>
        index
          .searchDocuments(query, 20)
          .map((r) => `${index.documentIdOf(r.slot)}:${r.score.toFixed(9)}`);
      expect(ranked(churned)).toEqual(ranked(fresh));
      expect(churned.idf(vocabulary[q])).toBeCloseTo(fresh.idf(vocabulary[q]), 12);
    }
  });

  it('forgets terms that no document or chunk holds any more', () => {
    const index = new LexicalIndex();
    index.setDocument('a', 'ephemeral words');
    index.setChunk(1, 'ephemeral chunk words');
    const before = index.approximateBytes();
    index.setDocument('a', null);
    index.removeChunk(1);
    index.setDocument('b', 'lasting');
    expect(index.searchDocuments(queryTerms('ephemeral'), 10)).toEqual([]);
    expect(index.approximateBytes()).toBeLessThan(before);
    expect(index.searchDocuments(queryTerms('lasting'), 10)).toHaveLength(1);
  });
});
