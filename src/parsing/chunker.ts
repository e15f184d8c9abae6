import { Boundary, buildSections, halvePiece, type Piece, type Section } from './pieces';
import { estimateTokens, tokenFloor } from './token-estimate';
import type { Chunk, ChunkerOptions, ParsedDocument } from './types';

/** Heading context may use at most this share of a chunk's token budget. */
const HEADING_CONTEXT_SHARE = 0.25;
/** Aim this far below the limit so that most first guesses need no second count. */
const TARGET_FILL = 0.95;
/** A guess that fell short is retried only when the learned ratio promises this much more text. */
const MIN_GROWTH = 0.1;
const CONTEXT_SEPARATOR = '\n\n';
/**
 * A chunk holds at most this many characters per token of budget, whatever the counts say:
 * English runs at about 4-5 characters a token, so only text a tokenizer misreads hits it.
 */
export const MAX_CHARACTERS_PER_TOKEN = 8;

/**
 * Learns real tokens per estimated token from every count, so the estimate converges on the
 * caller's tokenizer (starting value measured for Universal Sentence Encoder lite).
 */
class TokenRatio {
  private weightedActual = 0;
  private weightedEstimate = 0;
  value = 1.1;

  learn(actual: number, estimate: number, overflowed: boolean): void {
    if (estimate <= 0 || actual <= 0) return;
    this.weightedActual = this.weightedActual * 0.5 + actual;
    this.weightedEstimate = this.weightedEstimate * 0.5 + estimate;
    this.value = this.weightedActual / this.weightedEstimate;
    if (overflowed) this.value = Math.max(this.value, actual / estimate);
  }
}

interface Candidate {
  start: number;
  end: number;
  text: string;
  bodyOffset: number;
}

function validate(options: ChunkerOptions): void {
  const { maxTokens, overlapTokens, countTokens } = options;
  if (!Number.isFinite(maxTokens) || maxTokens < 1) {
    throw new RangeError(`maxTokens must be a finite number >= 1, got ${maxTokens}`);
  }
  if (!Number.isFinite(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(`overlapTokens must be >= 0 and < maxTokens, got ${overlapTokens}`);
  }
  if (typeof countTokens !== 'function') throw new TypeError('countTokens must be a function');
}

/**
 * Cuts a parsed document into chunks that each fit `maxTokens` by the caller's own counter.
 * Chunks never span two sections; consecutive blocks of a section are packed together; an
 * oversized block is split at its best boundaries (items, sentences, lines, then words; code on
 * lines). Sizes are guessed with a cheap estimate and confirmed with `countTokens` about once or
 * twice per chunk. Deterministic: the same input gives the same chunks.
 */
export function chunkDocument(parsed: ParsedDocument, options: ChunkerOptions): Chunk[] {
  validate(options);
  const ratio = new TokenRatio();
  const chunks: Chunk[] = [];
  // Oversized pieces are cut up front so that a few of them always fit in a chunk.
  const sections = buildSections(
    parsed,
    Math.max(1, Math.floor(options.maxTokens / 2 / ratio.value)),
  );
  for (const section of sections) {
    new SectionChunker(parsed.text, section, options, ratio).run((candidate) => {
      chunks.push({
        index: chunks.length,
        text: candidate.text,
        headingPath: [...section.headingPath],
        bodyOffset: candidate.bodyOffset,
        start: candidate.start,
        end: candidate.end,
      });
    });
  }
  return chunks;
}

class SectionChunker {
  private readonly pieces: Piece[];
  /** cumulative[i]: estimated tokens of pieces [0, i), separators included. */
  private cumulative: Float64Array;
  private readonly maxTokens: number;
  private readonly maxCharacters: number;
  private context = '';
  private contextTokens = 0;

  constructor(
    private readonly source: string,
    private readonly section: Section,
    private readonly options: ChunkerOptions,
    private readonly ratio: TokenRatio,
  ) {
    this.pieces = section.pieces;
    this.cumulative = this.accumulate();
    this.maxTokens = Math.floor(options.maxTokens);
    this.maxCharacters = this.maxTokens * MAX_CHARACTERS_PER_TOKEN;
  }

  private accumulate(): Float64Array {
    const cumulative = new Float64Array(this.pieces.length + 1);
    for (let i = 0; i < this.pieces.length; i++) {
      cumulative[i + 1] = cumulative[i] + this.pieces[i].est + this.pieces[i].sepEst;
    }
    return cumulative;
  }

  run(emit: (candidate: Candidate) => void): void {
    this.chooseHeadingContext();
    let start = 0;
    let fresh = 0;
    while (fresh < this.pieces.length) {
      const chunk = this.fit(start, fresh);
      emit(chunk.candidate);
      if (chunk.end >= this.pieces.length) break;
      start = this.overlapStart(chunk.start, chunk.end);
      fresh = chunk.end;
    }
  }

  /** The caller's count, but never below the text's floor (see tokenFloor). */
  private count(text: string): number {
    const tokens = this.options.countTokens(text);
    if (!Number.isFinite(tokens) || tokens < 0) {
      throw new TypeError(`countTokens returned ${tokens}`);
    }
    return Math.max(tokens, tokenFloor(text));
  }

  /**
   * The longest heading path suffix (`Guide > Install > Linux`, then `Install > Linux`, ...)
   * whose cost, counted with the separator, stays within its share of the budget.
   */
  private chooseHeadingContext(): void {
    const path = this.section.headingPath;
    if (this.options.headingContext === false || path.length === 0) return;
    const allowed = Math.floor(this.maxTokens * HEADING_CONTEXT_SHARE);
    let counted = 0;
    for (let from = 0; from < path.length && counted < 2; from++) {
      const context = path.slice(from).join(' > ');
      if (estimateTokens(context) * this.ratio.value > allowed * 1.2) continue;
      counted++;
      // The separator costs a token, and the body's first word loses its leading-space marker.
      const tokens = this.count(context) + 2;
      if (tokens <= allowed) {
        this.context = context;
        this.contextTokens = tokens;
        return;
      }
    }
  }

  /** Estimated tokens of pieces [from, to) rendered together. */
  private estimate(from: number, to: number): number {
    if (to <= from) return 0;
    return this.cumulative[to] - this.cumulative[from] - this.pieces[from].sepEst;
  }

  private render(from: number, to: number): string {
    const parts: string[] = [];
    for (let i = from; i < to; i++) {
      const piece = this.pieces[i];
      if (i > from) parts.push(piece.sep);
      parts.push(this.source.slice(piece.start, piece.end));
    }
    return parts.join('');
  }

  /** Largest `end` with pieces [from, end) estimated within `limit`, but at least `fresh + 1`. */
  private furthestEnd(from: number, fresh: number, limit: number, cap: number): number {
    const last = Math.min(this.pieces.length, cap);
    const firstStart = this.pieces[from].start;
    let total = 0;
    let end = from;
    while (end < last) {
      const next = total + this.pieces[end].est + (end > from ? this.pieces[end].sepEst : 0);
      if (next > limit && end > fresh) break;
      if (this.pieces[end].end - firstStart > this.maxCharacters && end > fresh) break;
      total = next;
      end++;
    }
    return Math.max(end, Math.min(fresh + 1, last));
  }

  /** One past the last piece of block `block`. */
  private blockEnd(block: number): number {
    const starts = this.section.blockStart;
    return block + 1 < starts.length ? starts[block + 1] : this.pieces.length;
  }

  /** Whether block `block` fits a chunk by itself (estimated, within `limit`). */
  private blockFits(block: number, limit: number): boolean {
    return this.section.blockEst[block] <= limit;
  }

  /**
   * Where to end a chunk that cannot take everything up to `end`. A block that fits a chunk by
   * itself is never split: the chunk ends before it. An oversized block is split at its last
   * item, sentence or line boundary past half the budget, else after the last whole word that
   * fits, unless the chunk is already reasonably full before it.
   */
  private chooseEnd(
    from: number,
    fresh: number,
    end: number,
    target: number,
    limit: number,
  ): number {
    if (end >= this.pieces.length || this.pieces[end].level >= Boundary.Block) return end;
    const block = this.pieces[end].block;
    const blockStart = this.section.blockStart[block];
    const fill = (cut: number): number => this.estimate(from, cut) / target;
    if (blockStart > fresh && (this.blockFits(block, limit) || fill(blockStart) >= 0.25)) {
      return blockStart;
    }
    const lowest = Math.max(fresh, blockStart);
    for (const level of [Boundary.Item, Boundary.Sentence, Boundary.Line]) {
      for (let cut = end; cut > lowest; cut--) {
        if (this.pieces[cut].level >= level && fill(cut) >= 0.5) return cut;
      }
    }
    for (let cut = end; cut > fresh; cut--) if (this.pieces[cut].level >= Boundary.Word) return cut;
    // No word boundary at all (a huge unspaced string): cut between fragments.
    return end;
  }

  /**
   * When the block the new content starts in must be split, aim each of its chunks at an equal
   * share of it rather than filling chunks and leaving a scrap at the end.
   */
  private balancedLimit(from: number, fresh: number, limit: number): number {
    const head = this.estimate(from, fresh);
    const remaining = this.estimate(fresh, this.blockEnd(this.pieces[fresh].block));
    if (head + remaining <= limit) return limit;
    const overlap = Math.min(this.options.overlapTokens / this.ratio.value, limit / 2);
    const later = Math.ceil((remaining - (limit - head)) / (limit - overlap));
    return Math.min(limit, head + remaining / (later + 1) + 0.05 * limit);
  }

  private candidate(from: number, to: number, withContext: boolean): Candidate {
    const body = this.render(from, to);
    const prefix = withContext && this.context ? this.context + CONTEXT_SEPARATOR : '';
    return {
      start: this.pieces[from].start,
      end: this.pieces[to - 1].end,
      text: prefix + body,
      bodyOffset: prefix.length,
    };
  }

  /**
   * The chunk starting at `from` (overlap) with new pieces from `fresh`: guess its end from the
   * estimate, count once, shrink on overflow (learning the ratio), grow once if the guess was
   * clearly short. When even one new piece does not fit: drop the overlap, then the heading
   * context, then halve the piece.
   */
  private fit(from: number, fresh: number): { start: number; end: number; candidate: Candidate } {
    let withContext = this.context.length > 0;
    let cap = Number.POSITIVE_INFINITY;
    let accepted: { start: number; end: number; candidate: Candidate } | undefined;
    for (;;) {
      const budget = this.maxTokens - (withContext ? this.contextTokens : 0);
      const limit = Math.max(1, (budget * TARGET_FILL) / this.ratio.value);
      if (accepted === undefined) from = this.trimOverlap(from, fresh, limit);
      const target = this.balancedLimit(from, fresh, limit);
      const end = this.chooseEnd(
        from,
        fresh,
        this.furthestEnd(from, fresh, target, cap),
        target,
        limit,
      );
      if (accepted !== undefined) {
        // Growing: only worth a count when the learned ratio promises clearly more text.
        const gain = this.estimate(accepted.end, end) * this.ratio.value;
        if (end <= accepted.end || gain < budget * MIN_GROWTH) return accepted;
      }
      const candidate = this.candidate(from, end, withContext);
      const tokens = this.count(candidate.text);
      const bodyTokens = tokens - (candidate.bodyOffset > 0 ? this.contextTokens : 0);
      const tooLong = candidate.text.length > this.maxCharacters;
      const overflowed = tokens > this.maxTokens || tooLong;
      if (!tooLong) this.ratio.learn(bodyTokens, this.estimate(from, end), overflowed);
      if (!overflowed) {
        const fits = { start: from, end, candidate };
        if (accepted !== undefined || end >= this.pieces.length) return fits;
        accepted = fits;
        continue;
      }
      if (accepted !== undefined) return accepted;
      if (end - fresh > 1) cap = end - 1;
      else if (from < fresh) from = fresh;
      else if (withContext) withContext = false;
      else this.halve(fresh);
    }
  }

  /**
   * Moves the overlap start forward until the overlap fits with the first new piece, or with the
   * whole first new block when that block fits a chunk by itself (so it is not split).
   */
  private trimOverlap(from: number, fresh: number, limit: number): number {
    const first = this.pieces[fresh];
    const keepWhole = first.level >= Boundary.Block && this.blockFits(first.block, limit);
    const target = keepWhole ? this.blockEnd(first.block) : fresh + 1;
    let start = from;
    while (start < fresh && this.estimate(start, target) > limit) start++;
    while (start < fresh && this.pieces[start].level < Boundary.Word) start++;
    return start;
  }

  private halve(index: number): void {
    const halves = halvePiece(this.source, this.pieces[index]);
    if (!halves) {
      throw new RangeError(
        `maxTokens ${this.maxTokens} cannot hold even one character of the text`,
      );
    }
    this.pieces.splice(index, 1, ...halves);
    this.cumulative = this.accumulate();
    const starts = this.section.blockStart;
    for (let block = halves[0].block + 1; block < starts.length; block++) {
      starts[block] += halves.length - 1;
    }
  }

  /**
   * Start of the next chunk's overlap: the earliest sentence (or item, or line) start among the
   * last ~overlapTokens of the chunk [from, end); failing that, the earliest whole word.
   */
  private overlapStart(from: number, end: number): number {
    if (this.options.overlapTokens <= 0) return end;
    const limit = this.options.overlapTokens / this.ratio.value;
    let start = end;
    let total = 0;
    while (start - 1 > from) {
      const next =
        total + this.pieces[start - 1].est + (start < end ? this.pieces[start].sepEst : 0);
      if (next > limit) break;
      total = next;
      start--;
    }
    // A last piece somewhat over the overlap size (a long line of code) is better than none.
    if (start === end && end - 1 > from && this.pieces[end - 1].est <= 2 * limit) return end - 1;
    for (let i = start; i < end; i++) if (this.pieces[i].level >= Boundary.Sentence) return i;
    for (let i = start; i < end; i++) if (this.pieces[i].level >= Boundary.Word) return i;
    return end;
  }
}
