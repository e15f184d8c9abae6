import { RaglineClient } from '../client/ragline-client';
import type { ListedDocument } from '../client/types';
import { checkCollectionName } from './cli-error';
import { CliIO, writeLine } from './io';
import type { ConnectionOptions } from './query-commands';
import { table } from './text-table';

export interface ListOptions extends ConnectionOptions {
  json: boolean;
}

export interface DocumentsOptions extends ListOptions {
  /** At most this many documents (default: all of them). */
  limit?: number;
}

function clientFor(options: ConnectionOptions): RaglineClient {
  return new RaglineClient({ baseUrl: options.url, apiKey: options.apiKey });
}

const count = (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : '-');

function shortJson(value: unknown, max = 60): string {
  const text = JSON.stringify(value ?? {});
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `ragline collections`: every collection with its documents, chunks and embedder. */
export async function runCollections(options: ListOptions, io: CliIO): Promise<number> {
  const { collections } = await clientFor(options).listCollections();
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(collections, null, 2));
    return 0;
  }
  if (collections.length === 0) {
    writeLine(
      io.stdout,
      'no collections (create one: ragline ingest <dir> --collection <name> --create)',
    );
    return 0;
  }
  const rows = [...collections]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => [
      c.name,
      count(c.documents),
      count(c.chunks),
      String(c.embedder ?? '-'),
      String(c.store ?? '-'),
      String(c.version ?? '-'),
    ]);
  const header = ['collection', 'documents', 'chunks', 'embedder', 'store', 'version'];
  for (const line of table(header, rows, ['left', 'right', 'right', 'left', 'left', 'right'])) {
    writeLine(io.stdout, line);
  }
  return 0;
}

/** `ragline documents <collection>`: its documents in id order, every page of them. */
export async function runDocuments(
  collection: string,
  options: DocumentsOptions,
  io: CliIO,
): Promise<number> {
  checkCollectionName(collection);
  const client = clientFor(options);
  await client.getCollection(collection);
  const documents: ListedDocument[] = [];
  const pageSize = Math.min(options.limit ?? 1000, 1000);
  for await (const doc of client.allDocuments(collection, pageSize)) {
    documents.push(doc);
    if (options.limit !== undefined && documents.length >= options.limit) break;
  }
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(documents, null, 2));
    return 0;
  }
  if (documents.length === 0) {
    writeLine(io.stdout, `collection ${collection} holds no documents`);
    return 0;
  }
  const rows = documents.map((d) => [
    d.id,
    count(d.chunks),
    new Date(d.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    shortJson(d.metadata),
  ]);
  for (const line of table(['document', 'chunks', 'updated', 'metadata'], rows, [
    'left',
    'right',
    'left',
    'left',
  ])) {
    writeLine(io.stdout, line);
  }
  writeLine(
    io.stdout,
    `${documents.length} document${documents.length === 1 ? '' : 's'}${options.limit !== undefined && documents.length >= options.limit ? ` (first ${options.limit}; --limit for more)` : ''}`,
  );
  return 0;
}
