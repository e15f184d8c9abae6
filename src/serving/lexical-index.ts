import { tokenize } from '../store/bm25/tokenizer';
import { TopK } from './top-k';

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

interface UnitStats {
  terms: Map<string, number>;
  length: number;
}

interface DocumentEntry extends UnitStats {
  slot: number;
  id: string;
}

export interface ScoredDocument {
  /** The document's slot (see documentIdOf). */
  slot: number;
  score: number;
}

function termCounts(text: string): UnitStats {
  const terms = new Map<string, number>();
  let length = 0;
  for (const term of tokenize(text)) {
    terms.set(term, (terms.get(term) ?? 0) + 1);
    length += 1;
  }
  return { terms, length };
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
 */
export class LexicalIndex {
  private readonly documents: (DocumentEntry | undefined)[] = [];
  private readonly documentSlots = new Map<string, number>();
  private readonly freeDocumentSlots: number[] = [];
  private readonly chunks = new Map<number, UnitStats>();
  /** term -> document slot -> term frequency in that document */
  private readonly postings = new Map<string, Map<number, number>>();
  private totalDocumentLength = 0;
  private totalChunkLength = 0;
  private scores = new Float64Array(64);

  constructor(private readonly params: Bm25Params = TEXTBOOK_BM25) {}

  get documentCount(): number {
    return this.documentSlots.size;
  }

  get chunkCount(): number {
    return this.chunks.size;
  }

  documentIdOf(slot: number): string {
    return (this.documents[slot] as DocumentEntry).id;
  }

  documentSlotOf(documentId: string): number | undefined {
    return this.documentSlots.get(documentId);
  }

  /** Indexes (or re-indexes) a whole document's text; null removes the document. */
  setDocument(documentId: string, text: string | null): void {
    const known = this.documentSlots.get(documentId);
    if (known !== undefined) this.removeDocument(this.documents[known] as DocumentEntry);
    if (text === null) return;
    const stats = termCounts(text);
    const slot = this.freeDocumentSlots.pop() ?? this.documents.length;
    this.documents[slot] = { ...stats, slot, id: documentId };
    this.documentSlots.set(documentId, slot);
    for (const [term, count] of stats.terms) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Map()));
      posting.set(slot, count);
    }
    this.totalDocumentLength += stats.length;
  }

  /** Indexes (or re-indexes) one chunk's own text, for ranking chunks within documents. */
  setChunk(chunkSlot: number, text: string): void {
    this.removeChunk(chunkSlot);
    const stats = termCounts(text);
    this.chunks.set(chunkSlot, stats);
    this.totalChunkLength += stats.length;
  }

  removeChunk(chunkSlot: number): void {
    const chunk = this.chunks.get(chunkSlot);
    if (!chunk) return;
    this.chunks.delete(chunkSlot);
    this.totalChunkLength -= chunk.length;
  }

  private removeDocument(document: DocumentEntry): void {
    for (const term of document.terms.keys()) {
      const posting = this.postings.get(term);
      posting?.delete(document.slot);
      if (posting?.size === 0) this.postings.delete(term);
    }
    this.totalDocumentLength -= document.length;
    this.documents[document.slot] = undefined;
    this.documentSlots.delete(document.id);
    this.freeDocumentSlots.push(document.slot);
  }

  /** Inverse document frequency (Lucene's non-negative form) over documents. */
  idf(term: string): number {
    const df = this.postings.get(term)?.size ?? 0;
    const n = this.documentSlots.size;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
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
    if (this.documentSlots.size === 0 || query.size === 0) return [];
    if (this.scores.length < this.documents.length) {
      this.scores = new Float64Array(Math.max(this.documents.length, this.scores.length * 2));
    }
    const scores = this.scores;
    const touched: number[] = [];
    const { k1, b } = this.params;
    const averageLength = this.totalDocumentLength / this.documentSlots.size || 1;
    for (const [term, queryCount] of query) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const weight = queryCount * this.idf(term);
      for (const [slot, tf] of posting) {
        const length = (this.documents[slot] as DocumentEntry).length;
        const norm = k1 * (1 - b + (b * length) / averageLength);
        if (scores[slot] === 0) touched.push(slot);
        scores[slot] += (weight * tf * (k1 + 1)) / (tf + norm);
      }
    }
    // The best `limit` accepted documents, without sorting (or filtering) all the others.
    const better = (x: ScoredDocument, y: ScoredDocument) =>
      x.score > y.score ||
      (x.score === y.score && this.documentIdOf(x.slot) < this.documentIdOf(y.slot));
    const top = new TopK<ScoredDocument>(limit, better);
    for (const slot of touched) {
      const candidate = { slot, score: scores[slot] };
      scores[slot] = 0;
      if (top.admits(candidate) && (!accept || accept(slot))) top.push(candidate);
    }
    return top.sorted();
  }

  /**
   * BM25 of one chunk against the query: the documents' IDF, the chunk's own term frequencies
   * and length against the average chunk length. Ranks chunks inside a document.
   */
  chunkScore(chunkSlot: number, query: QueryTerms): number {
    const chunk = this.chunks.get(chunkSlot);
    if (!chunk || this.chunks.size === 0) return 0;
    const { k1, b } = this.params;
    const averageLength = this.totalChunkLength / this.chunks.size || 1;
    const norm = k1 * (1 - b + (b * chunk.length) / averageLength);
    let score = 0;
    for (const [term, queryCount] of query) {
      const tf = chunk.terms.get(term);
      if (tf) score += (queryCount * this.idf(term) * tf * (k1 + 1)) / (tf + norm);
    }
    return score;
  }

  /** Rough bytes held (postings and per-unit statistics), for memory reporting. */
  approximateBytes(): number {
    let entries = 0;
    for (const posting of this.postings.values()) entries += posting.size;
    for (const chunk of this.chunks.values()) entries += chunk.terms.size;
    for (const document of this.documents) entries += document?.terms.size ?? 0;
    return entries * 40 + this.postings.size * 120;
  }
}
