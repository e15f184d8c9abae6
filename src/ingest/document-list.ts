import { z } from 'zod';
import type { CatalogService } from '../catalog/catalog.service';
import { decodeCursor, encodeCursor } from '../catalog/document-listing';
import { ApiError } from '../common/api-error';
import { parseOr400 } from '../common/validation';

export const documentListQuerySchema = z
  .object({
    cursor: z.string().max(4096).optional(),
    limit: z.coerce
      .number({ invalid_type_error: 'must be an integer from 1 to 1000' })
      .int('must be an integer from 1 to 1000')
      .min(1, 'must be an integer from 1 to 1000')
      .max(1000, 'must be an integer from 1 to 1000')
      .default(100),
  })
  .strict();

export interface ListedDocument {
  id: string;
  chunks: number;
  contentHash: string;
  updatedAt: string;
  metadata: Record<string, unknown>;
}

export interface DocumentListResponse {
  documents: ListedDocument[];
  /** Pass as `cursor` for the next page; null after the last one. */
  nextCursor: string | null;
}

export const documentListResponseSchema = {
  type: 'object',
  required: ['documents', 'nextCursor'],
  properties: {
    documents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'chunks', 'contentHash', 'updatedAt', 'metadata'],
        properties: {
          id: { type: 'string' },
          chunks: { type: 'integer' },
          contentHash: { type: 'string' },
          updatedAt: { type: 'string', format: 'date-time' },
          metadata: { type: 'object', additionalProperties: true },
        },
      },
    },
    nextCursor: { type: 'string', nullable: true },
  },
};

/**
 * A page of a collection's documents, in id order. The cursor is opaque (it encodes the last
 * id listed): documents stored for the whole walk are listed exactly once, whatever is
 * written meanwhile; ones added or removed during it may or may not appear.
 */
export async function listDocumentsPage(
  catalog: CatalogService,
  collection: string,
  query: unknown,
): Promise<DocumentListResponse> {
  const { cursor, limit } = parseOr400(documentListQuerySchema, query, 'query');
  const after = cursor === undefined || cursor === '' ? null : decodeCursor(cursor);
  if (after === null && cursor) {
    throw ApiError.badRequest('query.cursor: is not a cursor this API returned');
  }
  const page = await catalog.listDocuments(collection, after, limit);
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
