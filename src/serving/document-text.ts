/** What a document's lexical statistics are computed from: its chunks as stored. */
export interface ChunkText {
  chunkIndex: number;
  /** The chunk as embedded: its heading path, a blank line, then its body. */
  text: string;
  /** Where its body lies in the parsed document's text. */
  start: number;
  end: number;
  headingPath: readonly string[];
}

/**
 * A document's text rebuilt from its chunks for whole-document BM25: every body once (the
 * overlap a chunk shares with the one before is dropped, so overlapping text is not counted
 * twice) and every heading once (chunks repeat their heading path for the embedder).
 */
export function documentText(chunks: readonly ChunkText[]): string {
  const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const headings = new Set<string>();
  const parts: string[] = [];
  let coveredTo = -Infinity;
  for (const chunk of ordered) {
    for (const heading of chunk.headingPath) {
      if (headings.has(heading)) continue;
      headings.add(heading);
      parts.push(heading);
    }
    const bodyLength = chunk.end - chunk.start;
    const body =
      bodyLength > 0 && bodyLength <= chunk.text.length
        ? chunk.text.slice(chunk.text.length - bodyLength)
        : chunk.text;
    const overlap = Math.max(0, Math.min(body.length, coveredTo - chunk.start));
    parts.push(body.slice(overlap));
    coveredTo = Math.max(coveredTo, chunk.end);
  }
  return parts.join('\n');
}
