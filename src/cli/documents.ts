import { readFile } from 'node:fs/promises';
import type { IngestDocument } from '../client/types';
import type { DiscoveredFile } from './discover';

/** Reads a discovered file into the ingest body: its content under the field of its format. */
export async function readDocument(file: DiscoveredFile): Promise<IngestDocument> {
  const content = await readFile(file.path, 'utf8');
  const metadata = { path: file.relativePath, bytes: file.bytes };
  switch (file.format) {
    case 'markdown':
      return { id: file.id, markdown: content, metadata };
    case 'html':
      return { id: file.id, html: content, metadata };
    case 'text':
      return { id: file.id, text: content, metadata };
  }
}

/** The content of a document read from a file, whatever its format. */
function contentOf(doc: IngestDocument): string {
  return doc.text ?? doc.markdown ?? doc.html ?? '';
}

/**
 * The documents with content; the blank ones (empty or whitespace-only files, which the
 * server refuses with a 400 that would take their whole batch with them) go to `onBlank`.
 */
export async function* withoutBlank(
  documents: AsyncIterable<IngestDocument>,
  onBlank: (document: IngestDocument) => void,
): AsyncGenerator<IngestDocument> {
  for await (const doc of documents) {
    if (contentOf(doc).trim() === '') onBlank(doc);
    else yield doc;
  }
}

/** Reads files one at a time, so at most one batch of content is in memory. */
export async function* readDocuments(
  files: Iterable<DiscoveredFile>,
): AsyncGenerator<IngestDocument> {
  for (const file of files) yield await readDocument(file);
}
