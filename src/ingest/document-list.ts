import type { DocumentRecords } from '../catalog/document-records';
import { decodeCursor, encodeCursor } from '../catalog/document-listing';
import { ApiError } from '../common/api-error';
import { parseOr400 } from '../common/validation';
import { documentListQuerySchema, type DocumentPage } from '../contract/documents';

/**
 * A page of a collection's documents, in id order. The cursor is opaque (it encodes the last
 * id listed): documents stored for the whole walk are listed exactly once, whatever is
 * written meanwhile; ones added or removed during it may or may not appear.
 */
export async function listDocumentsPage(
  documentRecords: DocumentRecords,
  collection: string,
  query: unknown,
): Promise<DocumentPage> {
  const { cursor, limit } = parseOr400(documentListQuerySchema, query, 'query');
  const after = cursor === undefined || cursor === '' ? null : decodeCursor(cursor);
  if (after === null && cursor) {
    throw ApiError.badRequest('query.cursor: is not a cursor this API returned');
  }
  const page = await documentRecords.listDocuments(collection, after, limit);
  return {
    documents: page.documents.map(({ id, chunks, contentHash, updatedAt, metadata }) => ({
      id,
      chunks,
      contentHash,
      updatedAt,
      metadata,
    })),
    nextCursor: page.after === null ? null : encodeCursor(page.after),
  };
}
