import type { Schemas } from '@qdrant/js-client-rest';
import type {
  SampledPoint,
  SearchHit,
  StoredChunk,
  StoredChunkRef,
  StoredPoint,
} from '../vector-store.port';
import { DENSE_VECTOR } from './collection-config';

/** A malformed answer from Qdrant (a point without the payload this adapter writes). */
export class QdrantResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QdrantResponseError';
  }
}

/** Payload fields a search hit needs; the rest (hash, offsets) stays on the server. */
export const HIT_PAYLOAD_FIELDS = ['documentId', 'chunkIndex', 'text', 'headingPath', 'metadata'];
export const CHUNK_REF_PAYLOAD_FIELDS = ['chunkIndex', 'contentHash'];

/** Everything of a stored chunk except its vectors, as the point's payload. */
export function toPayload(point: StoredPoint): Record<string, unknown> {
  return {
    documentId: point.documentId,
    chunkIndex: point.chunkIndex,
    text: point.text,
    contentHash: point.contentHash,
    headingPath: point.headingPath,
    start: point.start,
    end: point.end,
    metadata: point.metadata,
  };
}

export function toSearchHit(point: Schemas['ScoredPoint'], score = point.score): SearchHit {
  const payload = point.payload ?? {};
  return {
    id: pointId(point.id),
    documentId: requiredString(payload, 'documentId', point.id),
    chunkIndex: requiredNumber(payload, 'chunkIndex', point.id),
    score,
    text: typeof payload.text === 'string' ? payload.text : '',
    headingPath: stringList(payload.headingPath),
    metadata: isRecord(payload.metadata) ? payload.metadata : {},
  };
}

export function toChunkRef(record: Schemas['Record']): StoredChunkRef {
  const payload = record.payload ?? {};
  return {
    id: pointId(record.id),
    chunkIndex: requiredNumber(payload, 'chunkIndex', record.id),
    contentHash: requiredString(payload, 'contentHash', record.id),
  };
}

/** A whole stored chunk from a point's full payload (as toPayload wrote it). */
export function toStoredChunk(record: Schemas['Record']): StoredChunk {
  const payload = record.payload ?? {};
  return {
    id: pointId(record.id),
    documentId: requiredString(payload, 'documentId', record.id),
    chunkIndex: requiredNumber(payload, 'chunkIndex', record.id),
    text: requiredString(payload, 'text', record.id),
    contentHash: requiredString(payload, 'contentHash', record.id),
    headingPath: stringList(payload.headingPath),
    start: requiredNumber(payload, 'start', record.id),
    end: requiredNumber(payload, 'end', record.id),
    metadata: isRecord(payload.metadata) ? payload.metadata : {},
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : [];
}

/** A point read with `with_vector: ['dense']` (named vectors come back as an object). */
export function toSampledPoint(point: Schemas['ScoredPoint']): SampledPoint {
  const output: unknown = point.vector;
  const dense: unknown = isRecord(output) ? output[DENSE_VECTOR] : output;
  if (!Array.isArray(dense) || !dense.every((x) => typeof x === 'number')) {
    throw new QdrantResponseError(`point ${String(point.id)}: no dense vector in the answer`);
  }
  return { id: pointId(point.id), vector: Float32Array.from(dense) };
}

export function pointId(id: Schemas['ExtendedPointId']): string {
  return typeof id === 'string' ? id : String(id);
}

function requiredString(
  payload: Record<string, unknown>,
  field: string,
  id: Schemas['ExtendedPointId'],
): string {
  const value = payload[field];
  if (typeof value !== 'string') {
    throw new QdrantResponseError(`point ${String(id)}: payload field '${field}' is not a string`);
  }
  return value;
}

function requiredNumber(
  payload: Record<string, unknown>,
  field: string,
  id: Schemas['ExtendedPointId'],
): number {
  const value = payload[field];
  if (typeof value !== 'number') {
    throw new QdrantResponseError(`point ${String(id)}: payload field '${field}' is not a number`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
