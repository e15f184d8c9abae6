import type { AppConfig } from '../config/config';
import { matchesFilter } from '../store/filter';
import type { Filter } from '../store/filter.types';
import type { SearchHit, SearchMode, StoredChunk } from '../store/vector-store.port';
import { documentText } from './document-text';
import { Bm25Params, LexicalIndex, QueryTerms } from './lexical-index';
import { convexWeights, FusionWeights, fuseScores, normalised, scoreRange } from './score-fusion';
import { ScoredSlots } from './top-k';
import { VectorIndex, VectorIndexOptions } from './vector-index';

/** A stored chunk as served from memory (everything a hit shows, no vector). */
export type ServedChunk = Omit<StoredChunk, 'contentHash'>;

export interface ServingCollectionOptions {
  /** Keep the BM25 side (collections created with hybrid: true). */
  lexical: boolean;
  bm25: Bm25Params;
  hnsw: Omit<VectorIndexOptions, 'dimensions'>;
  /**
   * Candidates each side contributes to a hybrid ranking at most: BM25 always gives this many
   * documents (cheap); the dense side as many chunks as its breadth (the search's ef) or twice
   * the documents asked, whichever is more (each HNSW candidate costs, see rankHybrid).
   */
  hybridCandidates: number;
}

export interface RankRequest {
  mode: SearchMode;
  vector?: Float32Array;
  terms?: QueryTerms;
  filter?: Filter;
  weights: FusionWeights;
  /** How many documents to rank (their matching chunks come with them). */
  documents: number;
  /** HNSW search breadth of the dense side (the request's, the tuned or the default ef). */
  ef: number;
}

export interface RankedDocument {
  documentId: string;
  score: number;
  /** Its matching chunks, best first; the first one carries the document's score. */
  chunks: SearchHit[];
}

/**
 * The in-memory graph's settings. Searches set their own breadth (the ef the executor gives:
 * the request's, `ragline tune`'s or RAGLINE_SEARCH_DEFAULT_EF), so the graph's own floor is
 * low; measured recall@10 at the default ef 64: 0.999 at 30,000 chunks (bench:search).
 */
const SERVING_HNSW = { connectivity: 16, expansionAdd: 128, expansionSearch: 16 };

/** A collection's serving index as the service builds it (benchmarks measure the same one). */
export function servingCollectionFor(search: AppConfig['search']): ServingCollection {
  return new ServingCollection({
    lexical: true,
    bm25: search.bm25,
    hnsw: SERVING_HNSW,
    hybridCandidates: search.hybridCandidates,
  });
}

/**
 * One collection held in memory for searching: its chunks (text, metadata, offsets), a BM25
 * index over whole documents and chunks, and an HNSW graph of the vectors. The durable store
 * stays the source of truth; this is rebuilt from it at start and kept current by `apply`.
 *
 * Every mode ranks documents, and chunks within them:
 * - bm25: documents by BM25 over their whole text; a chunk scores its document's score times
 *   its own BM25 relative to the document's best chunk;
 * - dense: chunks by cosine similarity (a document scores its best chunk);
 * - hybrid: documents by a convex combination of min-max normalised document scores from both
 *   sides (dense: the best chunk's cosine), chunks by the same combination of their own scores.
 */
export class ServingCollection {
  private readonly chunks: (ServedChunk | undefined)[] = [];
  private readonly slotOfId = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private readonly chunksOfDocument = new Map<string, Set<number>>();
  /** A document's chunks share one metadata object (it is the document's, written to each). */
  private readonly metadataOfDocument = new Map<
    string,
    { json: string; value: ServedChunk['metadata'] }
  >();
  private readonly lexical: LexicalIndex | null;
  /** Made with the first vector (its length gives the dimensions). */
  private vectors: VectorIndex | null = null;
  private textBytes = 0;

  constructor(private readonly options: ServingCollectionOptions) {
    this.lexical = options.lexical ? new LexicalIndex(options.bm25) : null;
  }

  get size(): number {
    return this.slotOfId.size;
  }

  /** Applies stored points (inserted or replaced) and removals; documents are re-indexed once. */
  apply(
    upserts: ReadonlyArray<ServedChunk & { vector: Float32Array }>,
    removedIds: readonly string[],
  ): void {
    const touched = new Set<string>();
    for (const id of removedIds) {
      const slot = this.slotOfId.get(id);
      if (slot === undefined) continue;
      touched.add((this.chunks[slot] as ServedChunk).documentId);
      this.removeSlot(slot);
    }
    for (const point of upserts) {
      const known = this.slotOfId.get(point.id);
      if (known !== undefined) {
        touched.add((this.chunks[known] as ServedChunk).documentId);
        this.removeSlot(known);
      }
      const slot = this.freeSlots.pop() ?? this.chunks.length;
      const { vector, ...chunk } = point;
      this.chunks[slot] = chunk;
      this.slotOfId.set(chunk.id, slot);
      chunk.metadata = this.sharedMetadata(chunk.documentId, chunk.metadata);
      let slots = this.chunksOfDocument.get(chunk.documentId);
      if (!slots) this.chunksOfDocument.set(chunk.documentId, (slots = new Set()));
      slots.add(slot);
      this.vectors ??= new VectorIndex({ ...this.options.hnsw, dimensions: vector.length });
      this.vectors.set(slot, vector);
      this.lexical?.setChunk(slot, chunk.text);
      this.textBytes += chunk.text.length * 2;
      touched.add(chunk.documentId);
    }
    if (!this.lexical) return;
    for (const documentId of touched) {
      const slots = this.chunksOfDocument.get(documentId);
      const parts = slots ? [...slots].map((s) => this.chunks[s] as ServedChunk) : [];
      this.lexical.setDocument(documentId, parts.length ? documentText(parts) : null);
    }
  }

  /** The documents ranked for a request, or null when only an exact scan can answer it. */
  rank(request: RankRequest): RankedDocument[] | null {
    const accept = request.filter ? this.filterOf(request.filter) : undefined;
    if (request.mode === 'dense') return this.rankDense(request, accept);
    if (request.mode === 'bm25') return this.rankLexical(request, accept);
    return this.rankHybrid(request, accept);
  }

  approximateBytes(): number {
    return (
      (this.vectors?.approximateBytes() ?? 0) +
      (this.lexical?.approximateBytes() ?? 0) +
      this.textBytes +
      this.metadataBytes() +
      this.slotOfId.size * 200
    );
  }

  private metadataBytes(): number {
    let bytes = 0;
    for (const { json } of this.metadataOfDocument.values()) bytes += json.length * 4 + 100;
    return bytes;
  }

  private sharedMetadata(
    documentId: string,
    metadata: ServedChunk['metadata'],
  ): ServedChunk['metadata'] {
    const json = JSON.stringify(metadata);
    const known = this.metadataOfDocument.get(documentId);
    if (known?.json === json) return known.value;
    this.metadataOfDocument.set(documentId, { json, value: metadata });
    return metadata;
  }

  private removeSlot(slot: number): void {
    const chunk = this.chunks[slot] as ServedChunk;
    this.chunks[slot] = undefined;
    this.slotOfId.delete(chunk.id);
    const slots = this.chunksOfDocument.get(chunk.documentId);
    slots?.delete(slot);
    if (slots?.size === 0) {
      this.chunksOfDocument.delete(chunk.documentId);
      this.metadataOfDocument.delete(chunk.documentId);
    }
    this.vectors?.remove(slot);
    this.lexical?.removeChunk(slot);
    this.textBytes -= chunk.text.length * 2;
    this.freeSlots.push(slot);
  }

  private denseSearch(
    vector: Float32Array,
    k: number,
    ef: number,
    accept?: (slot: number) => boolean,
  ): ReturnType<VectorIndex['search']> {
    if (!this.vectors) return { matches: [], complete: true };
    if (vector.length !== this.vectors.dimensions) {
      throw new RangeError(
        `query vector has ${vector.length} dimensions; the collection ${this.vectors.dimensions}`,
      );
    }
    return this.vectors.search(vector, k, ef, accept);
  }

  private filterOf(filter: Filter): (slot: number) => boolean {
    return (slot) => matchesFilter(filter, this.chunks[slot] as ServedChunk);
  }

  private hit(slot: number, score: number): SearchHit {
    const chunk = this.chunks[slot] as ServedChunk;
    return {
      id: chunk.id,
      documentId: chunk.documentId,
      chunkIndex: chunk.chunkIndex,
      score,
      text: chunk.text,
      headingPath: chunk.headingPath,
      metadata: chunk.metadata,
    };
  }

  private rankDense(
    request: RankRequest,
    accept?: (slot: number) => boolean,
  ): RankedDocument[] | null {
    // Enough chunks for the documents asked, whatever their chunk counts (bounded).
    const wanted = Math.min(this.size, Math.max(request.documents * 4, request.documents + 50));
    const found = this.denseSearch(request.vector as Float32Array, wanted, request.ef, accept);
    if (!found.complete) return null;
    const documents = new Map<string, RankedDocument>();
    for (const { slot, score } of found.matches) {
      const hit = this.hit(slot, score);
      let document = documents.get(hit.documentId);
      if (!document) {
        if (documents.size >= request.documents) continue;
        documents.set(
          hit.documentId,
          (document = { documentId: hit.documentId, score, chunks: [] }),
        );
      }
      document.chunks.push(hit);
    }
    return [...documents.values()];
  }

  private documentFilter(
    accept?: (slot: number) => boolean,
  ): ((slot: number) => boolean) | undefined {
    if (!accept || !this.lexical) return undefined;
    const lexical = this.lexical;
    return (documentSlot) => {
      const slots = this.chunksOfDocument.get(lexical.documentIdOf(documentSlot));
      return slots !== undefined && [...slots].some(accept);
    };
  }

  /** A document's chunks that pass the filter, with their BM25 relative to the best (0..1). */
  private lexicalChunkScores(
    documentId: string,
    chunkScore: (slot: number) => number,
    accept?: (slot: number) => boolean,
  ): Map<number, number> {
    const scores = new Map<number, number>();
    let best = 0;
    for (const slot of this.chunksOfDocument.get(documentId) ?? []) {
      if (accept && !accept(slot)) continue;
      const score = chunkScore(slot);
      scores.set(slot, score);
      best = Math.max(best, score);
    }
    for (const [slot, score] of scores) scores.set(slot, best > 0 ? score / best : 0);
    return scores;
  }

  private rankLexical(request: RankRequest, accept?: (slot: number) => boolean): RankedDocument[] {
    const lexical = this.lexical;
    if (!lexical || !request.terms) return [];
    const ranked = lexical.searchDocuments(
      request.terms,
      request.documents,
      this.documentFilter(accept),
    );
    const chunkScore = lexical.chunkScorer(request.terms);
    return ranked.map(({ slot, score }) => {
      const documentId = lexical.documentIdOf(slot);
      const relative = this.lexicalChunkScores(documentId, chunkScore, accept);
      return this.rankedDocument(documentId, score, relative, (r) => r > 0);
    });
  }

  private rankHybrid(
    request: RankRequest,
    accept?: (slot: number) => boolean,
  ): RankedDocument[] | null {
    const lexical = this.lexical;
    if (!lexical || !request.terms || !request.vector) return null;
    const candidates = Math.max(this.options.hybridCandidates, request.documents);
    // A graph search for 200 neighbours costs 3.5x one for 64 (1.05 vs 0.30 ms at 30,000
    // chunks) for little gain: measured on CISI and Cranfield at 10 documents, nDCG@10 0.394
    // and 0.347 with 64 dense candidates, 0.398 and 0.350 with 200 (textbook BM25: 0.379, 0.340).
    const denseCandidates = Math.min(
      this.size,
      candidates,
      Math.max(request.ef, 2 * request.documents),
    );
    const dense = this.denseSearch(request.vector, denseCandidates, request.ef, accept);
    if (!dense.complete) return null;
    // Documents are keyed by their BM25 slot (every served document has one) while fusing.
    const chunkCosine = new Map<number, number>();
    const denseDocuments = new Map<number, number>();
    for (const { slot, score } of dense.matches) {
      chunkCosine.set(slot, score);
      const document = lexical.documentSlotOf((this.chunks[slot] as ServedChunk).documentId);
      if (document === undefined) continue;
      const known = denseDocuments.get(document);
      if (known === undefined || score > known) denseDocuments.set(document, score);
    }
    const lexicalDocuments = lexical.documentScores(
      request.terms,
      candidates,
      this.documentFilter(accept),
    );
    const top = new ScoredSlots(
      request.documents,
      (a, b) => lexical.documentIdOf(a) < lexical.documentIdOf(b),
    );
    for (const [document, score] of fuseScores(denseDocuments, lexicalDocuments, request.weights)) {
      if (top.admits(score, document)) top.push(score, document);
    }
    const cosineRange = scoreRange(chunkCosine.values());
    const weights = convexWeights(request.weights);
    const chunkScore = lexical.chunkScorer(request.terms);
    return top.sorted().map(({ slot: document, score }) => {
      const documentId = lexical.documentIdOf(document);
      const combined = this.lexicalChunkScores(documentId, chunkScore, accept);
      for (const [slot, relative] of combined) {
        const cosine = chunkCosine.get(slot);
        const denseRelative = cosine === undefined ? 0 : normalised(cosine, cosineRange);
        combined.set(slot, weights.bm25 * relative + weights.dense * denseRelative);
      }
      return this.rankedDocument(documentId, score, combined, (r) => r > 0);
    });
  }

  /**
   * A document with its chunks: the best chunk carries the document's score; the k-th after it
   * (k = 1, 2, ...) the document's score times its own relative score over k + 1. So a flat
   * list of chunks puts documents in exactly the document ranking's order, and one long
   * document's many similar chunks do not crowd out the next documents.
   */
  private rankedDocument(
    documentId: string,
    score: number,
    relative: Map<number, number>,
    keep: (relative: number) => boolean,
  ): RankedDocument {
    const ordered = [...relative].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const best = ordered[0]?.[1] ?? 0;
    const kept = ordered.filter(([, value], i) => i === 0 || keep(value));
    const chunks = kept.map(([slot, value], k) =>
      this.hit(slot, k === 0 ? score : (score * (best > 0 ? value / best : 1)) / (k + 1)),
    );
    return { documentId, score, chunks };
  }
}
