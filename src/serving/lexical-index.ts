import { tokenize } from '../store/bm25/tokenizer';
import { PostingLists } from './posting-lists';
import { TermDictionary } from './term-dictionary';
import { kthLargest, ScoredSlots } from './top-k';

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0: none, 1: full). */
  b: number;
}

/** Robertson's textbook values as used by Lucene-era baselines (and the quality goal). */
export const TEXTBOOK_BM25: Readonly<Bm25Params> = { k1: 0.9, b: 0.4 };

/** A query's terms (stemmed, stop words dropped) with how often each occurs in it. */
export type QueryTerms = Map<string, number>;

export function queryTerms(text: string): QueryTerms {
  const terms: QueryTerms = new Map();
  for (const term of tokenize(text)) terms.set(term, (terms.get(term) ?? 0) + 1);
  return terms;
}

export interface ScoredDocument {
  /** The document's slot (see documentIdOf). */
  slot: number;
  score: number;
}

/**
 * A unit's (a document's or a chunk's) terms as sorted term ids with their frequencies, in one
 * flat array: [id0, id1, ..., tf0, tf1, ...]. Ten times smaller than a Map per unit, and
 * binary-searchable.
 */
type TermVector = Int32Array;

function termVector(
  text: string,
  dictionary: TermDictionary,
): { vector: TermVector; length: number } {
  const counts = new Map<string, number>();
  let length = 0;
  for (const term of tokenize(text)) {
    counts.set(term, (counts.get(term) ?? 0) + 1);
    length += 1;
  }
  const pairs = [...counts].map(([term, tf]) => [dictionary.acquire(term), tf]);
  pairs.sort((x, y) => x[0] - y[0]);
  const vector = new Int32Array(pairs.length * 2);
  pairs.forEach(([id, tf], i) => {
    vector[i] = id;
    vector[pairs.length + i] = tf;
  });
  return { vector, length };
}

/** Position of `termId` among a term vector's ids, or -1. */
function findTerm(vector: TermVector, termId: number): number {
  let lo = 0;
  let hi = (vector.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const id = vector[mid];
    if (id === termId) return mid;
    if (id < termId) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function releaseTerms(vector: TermVector, dictionary: TermDictionary): void {
  const count = vector.length >> 1;
  for (let i = 0; i < count; i++) dictionary.release(vector[i]);
}

/**
 * An in-memory inverted index with real BM25 over whole documents. Judgments, and users, are
 * about documents: measured on CISI and Cranfield, chunk-level BM25 scores rank below the same
 * formula over whole documents (a long document's evidence is spread over its chunks, and each
 * chunk's length normalisation and term saturation then work against it). So documents are
 * indexed as wholes (their text without chunk overlaps, see documentText) for ranking
 * documents, and chunks on their own for ranking the chunks inside a document. Both are
 * updated one by one as writes arrive; every statistic (document frequency, average lengths)
 * follows at once.
 *
 * Everything a query touches is a typed array (postings, document lengths, score
 * accumulators): scoring is a tight loop over integers, about 2 ns a posting, with no objects
 * made per document.
 */
export class LexicalIndex {
  private readonly dictionary = new TermDictionary();
  private readonly postings = new PostingLists();
  private readonly documentIds: (string | undefined)[] = [];
  private readonly documentTerms: (TermVector | undefined)[] = [];
  /** Per document, where each of its terms (in its term vector's order) sits in the postings. */
  private readonly documentPositions: (Int32Array | undefined)[] = [];
  private documentLengths = new Float64Array(64);
  private readonly documentSlots = new Map<string, number>();
  private readonly freeDocumentSlots: number[] = [];
  private readonly chunkTerms = new Map<number, TermVector>();
  private readonly chunkLengths = new Map<number, number>();
  private totalDocumentLength = 0;
  private totalChunkLength = 0;
  private scores = new Float64Array(64);
  private touched = new Int32Array(64);
  private selection = new Float64Array(64);

  constructor(private readonly params: Bm25Params = TEXTBOOK_BM25) {}

  get documentCount(): number {
    return this.documentSlots.size;
  }

  get chunkCount(): number {
    return this.chunkTerms.size;
  }

  documentIdOf(slot: number): string {
    return this.documentIds[slot] as string;
  }

  documentSlotOf(documentId: string): number | undefined {
    return this.documentSlots.get(documentId);
  }

  /** Indexes (or re-indexes) a whole document's text; null removes the document. */
  setDocument(documentId: string, text: string | null): void {
    const known = this.documentSlots.get(documentId);
    if (known !== undefined) this.removeDocument(known);
    if (text === null) return;
    const { vector, length } = termVector(text, this.dictionary);
    const slot = this.freeDocumentSlots.pop() ?? this.documentIds.length;
    this.ensureDocumentCapacity(slot + 1);
    this.documentIds[slot] = documentId;
    this.documentTerms[slot] = vector;
    this.documentLengths[slot] = length;
    this.documentSlots.set(documentId, slot);
    const count = vector.length >> 1;
    const positions = new Int32Array(count);
    for (let i = 0; i < count; i++)
      positions[i] = this.postings.add(vector[i], slot, vector[count + i]);
    this.documentPositions[slot] = positions;
    this.totalDocumentLength += length;
  }

  /** Indexes (or re-indexes) one chunk's own text, for ranking chunks within documents. */
  setChunk(chunkSlot: number, text: string): void {
    this.removeChunk(chunkSlot);
    const { vector, length } = termVector(text, this.dictionary);
    this.chunkTerms.set(chunkSlot, vector);
    this.chunkLengths.set(chunkSlot, length);
    this.totalChunkLength += length;
  }

  removeChunk(chunkSlot: number): void {
    const vector = this.chunkTerms.get(chunkSlot);
    if (!vector) return;
    this.chunkTerms.delete(chunkSlot);
    this.totalChunkLength -= this.chunkLengths.get(chunkSlot) as number;
    this.chunkLengths.delete(chunkSlot);
    releaseTerms(vector, this.dictionary);
  }

  private removeDocument(slot: number): void {
    const vector = this.documentTerms[slot] as TermVector;
    const positions = this.documentPositions[slot] as Int32Array;
    const count = vector.length >> 1;
    for (let i = 0; i < count; i++) {
      const moved = this.postings.removeAt(vector[i], positions[i]);
      if (moved >= 0) {
        const at = findTerm(this.documentTerms[moved] as TermVector, vector[i]);
        (this.documentPositions[moved] as Int32Array)[at] = positions[i];
      }
    }
    releaseTerms(vector, this.dictionary);
    this.totalDocumentLength -= this.documentLengths[slot];
    this.documentSlots.delete(this.documentIds[slot] as string);
    this.documentIds[slot] = undefined;
    this.documentTerms[slot] = undefined;
    this.documentPositions[slot] = undefined;
    this.documentLengths[slot] = 0;
    this.freeDocumentSlots.push(slot);
  }

  private ensureDocumentCapacity(slots: number): void {
    if (this.documentLengths.length >= slots) return;
    const grown = new Float64Array(Math.max(slots, this.documentLengths.length * 2));
    grown.set(this.documentLengths);
    this.documentLengths = grown;
  }

  /** Inverse document frequency (Lucene's non-negative form) over documents. */
  idf(term: string): number {
    const id = this.dictionary.idOf(term);
    return this.idfOf(id === undefined ? 0 : this.postings.documentFrequency(id));
  }

  private idfOf(documentFrequency: number): number {
    const n = this.documentSlots.size;
    return Math.log(1 + (n - documentFrequency + 0.5) / (documentFrequency + 0.5));
  }

  /**
   * Every document holding a query term, with its BM25 score, best first (ties by id).
   * `accept` drops documents (a filter) before they take a place in the top `limit`.
   */
  searchDocuments(
    query: QueryTerms,
    limit: number,
    accept?: (documentSlot: number) => boolean,
  ): ScoredDocument[] {
    return this.bestDocuments(query, limit, accept)?.sorted() ?? [];
  }

  /**
   * The same documents as searchDocuments, as a map from document slot to BM25 score in no
   * particular order: for a fusion that only looks scores up, sorting them would be wasted.
   */
  documentScores(
    query: QueryTerms,
    limit: number,
    accept?: (documentSlot: number) => boolean,
  ): Map<number, number> {
    const scores = new Map<number, number>();
    this.bestDocuments(query, limit, accept)?.forEach((score, slot) => scores.set(slot, score));
    return scores;
  }

  private bestDocuments(
    query: QueryTerms,
    limit: number,
    accept?: (documentSlot: number) => boolean,
  ): ScoredSlots | null {
    if (this.documentSlots.size === 0 || query.size === 0 || limit <= 0) return null;
    const capacity = this.documentIds.length;
    if (this.scores.length < capacity) {
      this.scores = new Float64Array(Math.max(capacity, this.scores.length * 2));
      this.touched = new Int32Array(this.scores.length);
    }
    const scores = this.scores;
    const touched = this.touched;
    const lengths = this.documentLengths;
    let touchedCount = 0;
    const { k1, b } = this.params;
    const averageLength = this.totalDocumentLength / this.documentSlots.size || 1;
    // norm(length) = k1 * (1 - b + b * length / average), split into constant + slope * length
    const normBase = k1 * (1 - b);
    const normSlope = (k1 * b) / averageLength;
    for (const [term, queryCount] of query) {
      const id = this.dictionary.idOf(term);
      if (id === undefined) continue;
      const entries = this.postings.entriesOf(id);
      const count = this.postings.documentFrequency(id);
      if (count === 0) continue;
      const weight = queryCount * this.idfOf(count) * (k1 + 1);
      for (let i = 0, end = count * 2; i < end; i += 2) {
        const slot = entries[i];
        const tf = entries[i + 1];
        const previous = scores[slot];
        if (previous === 0) touched[touchedCount++] = slot;
        scores[slot] = previous + (weight * tf) / (tf + normBase + normSlope * lengths[slot]);
      }
    }
    // The best `limit` accepted documents, without sorting (or filtering) all the others. With
    // no filter and a long list (hybrid asks for 200 of thousands), the limit-th best score is
    // found first in linear time, so only the documents at or above it reach the heap; a short
    // list's heap rejects most documents at its first comparison anyway.
    const floor =
      !accept && limit >= 64 && touchedCount > limit * 4
        ? this.limitThScore(touchedCount, limit)
        : -Infinity;
    const top = new ScoredSlots(limit, (x, y) => this.documentIdOf(x) < this.documentIdOf(y));
    for (let i = 0; i < touchedCount; i++) {
      const slot = touched[i];
      const score = scores[slot];
      scores[slot] = 0;
      if (score >= floor && top.admits(score, slot) && (!accept || accept(slot))) {
        top.push(score, slot);
      }
    }
    return top;
  }

  /** The `limit`-th greatest score among the touched documents' (before they are reset). */
  private limitThScore(touchedCount: number, limit: number): number {
    if (this.selection.length < touchedCount)
      this.selection = new Float64Array(this.touched.length);
    for (let i = 0; i < touchedCount; i++) this.selection[i] = this.scores[this.touched[i]];
    return kthLargest(this.selection, touchedCount, limit);
  }

  /**
   * BM25 of a chunk against the query: the documents' IDF, the chunk's own term frequencies
   * and length against the average chunk length. Ranks chunks inside a document. The query's
   * term ids and weights are looked up once, for every chunk the scorer is given.
   */
  chunkScorer(query: QueryTerms): (chunkSlot: number) => number {
    const { k1, b } = this.params;
    const ids: number[] = [];
    const weights: number[] = [];
    for (const [term, queryCount] of query) {
      const id = this.dictionary.idOf(term);
      if (id === undefined) continue;
      ids.push(id);
      weights.push(queryCount * this.idfOf(this.postings.documentFrequency(id)));
    }
    const averageLength = this.totalChunkLength / this.chunkTerms.size || 1;
    return (chunkSlot) => {
      const vector = this.chunkTerms.get(chunkSlot);
      if (!vector || ids.length === 0) return 0;
      const length = this.chunkLengths.get(chunkSlot) as number;
      const norm = k1 * (1 - b + (b * length) / averageLength);
      const count = vector.length >> 1;
      let score = 0;
      for (let t = 0; t < ids.length; t++) {
        const at = findTerm(vector, ids[t]);
        if (at < 0) continue;
        const tf = vector[count + at];
        score += (weights[t] * tf * (k1 + 1)) / (tf + norm);
      }
      return score;
    };
  }

  /** Bytes held (term vectors, postings, dictionary, per-unit tables), for memory reporting. */
  approximateBytes(): number {
    let vectors = 0;
    for (const vector of this.documentTerms) vectors += vector ? vector.byteLength * 1.5 + 128 : 0;
    for (const vector of this.chunkTerms.values()) vectors += vector.byteLength + 64 + 40;
    return (
      vectors +
      this.postings.approximateBytes() +
      this.dictionary.approximateBytes() +
      this.documentLengths.byteLength +
      this.documentSlots.size * 80
    );
  }
}
