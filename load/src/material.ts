import type { Corpus, LoadDocument } from './corpus';
import { shuffled } from './random';

/**
 * What the artillery processor reads (a JSON file per run): the query pool in Zipf rank order
 * (index 0 is the hottest query), the vocabulary unique queries are spelled with, and the
 * documents ingest requests send.
 */
export interface LoadMaterial {
  queries: string[];
  vocabulary: string[];
  ingestDocuments: LoadDocument[];
}

const MAX_QUERY_CHARS = 300;

/** A corpus with fewer queries of its own (or none, like the node-docs) gets this many. */
export const MIN_DEFAULT_POOL = 100;

/**
 * The pool: the corpus's own queries first, in a seeded random order (they form the hot head),
 * then sentences of its documents (the tail), deduplicated, up to `size`. Without a size, the
 * corpus's own queries (the "pool of real queries"), topped up to MIN_DEFAULT_POOL.
 */
export function buildQueryPool(
  corpus: Corpus,
  size: number | undefined,
  random: () => number,
): string[] {
  size ??= Math.max(corpus.queries.length, MIN_DEFAULT_POOL);
  const seen = new Set<string>();
  const pool: string[] = [];
  const add = (query: string) => {
    const q = forArtillery(clip(query.replace(/\s+/g, ' ').trim(), MAX_QUERY_CHARS));
    const key = q.toLowerCase();
    if (q.split(' ').length < 3 || seen.has(key) || pool.length >= size) return;
    seen.add(key);
    pool.push(q);
  };
  shuffled(corpus.queries, random).forEach(add);
  const sentences = corpus.documents.flatMap((d) =>
    sentencesOf(d.markdown !== undefined ? stripMarkdown(d.markdown) : (d.text ?? '')),
  );
  shuffled(sentences, random).forEach(add);
  return pool;
}

/** Sentences of 5 to 25 words (the length of a typed query), never across paragraphs. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .flatMap((paragraph) => paragraph.replace(/\s+/g, ' ').split(/(?<=[.?!])\s+/))
    .map((s) => s.trim())
    .filter((s) => {
      const words = s.split(' ').length;
      return words >= 5 && words <= 25 && /[a-z]/i.test(s);
    });
}

function stripMarkdown(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`|]+/g, ' ');
}

/** Up to `max` distinct lowercase words of 4-12 letters, the most frequent first. */
export function buildVocabulary(documents: readonly LoadDocument[], max = 4096): string[] {
  const counts = new Map<string, number>();
  for (const doc of documents) {
    for (const word of (doc.text ?? doc.markdown ?? '').toLowerCase().match(/[a-z]+/g) ?? []) {
      if (word.length >= 4 && word.length <= 12) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([word]) => word);
}

/** Documents ready to send through artillery (see forArtillery). */
export function ingestDocuments(documents: readonly LoadDocument[]): LoadDocument[] {
  return documents.map((d) =>
    d.markdown !== undefined
      ? { id: d.id, markdown: forArtillery(d.markdown) }
      : { id: d.id, text: forArtillery(d.text ?? '') },
  );
}

/** Artillery expands `{{ name }}` in every string of a request body; real text must not. */
export function forArtillery(text: string): string {
  return text.replace(/\{\{/g, '{ {').replace(/\}\}/g, '} }');
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return space > max / 2 ? cut.slice(0, space) : cut;
}
