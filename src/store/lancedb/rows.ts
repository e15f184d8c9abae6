import type {
  SampledPoint,
  SearchHit,
  StoredChunk,
  StoredChunkRef,
  StoredPoint,
} from '../vector-store.port';
import { COLUMNS } from './table-schema';

/** Rows come back from LanceDB as untyped objects; these read them with checks. */
type Row = Record<string, unknown>;

function asRow(value: unknown): Row {
  if (value === null || typeof value !== 'object')
    throw new Error('LanceDB returned a non-object row');
  return value as Row;
}

function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`column ${column}: expected a string`);
  return value;
}

function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new Error(`column ${column}: expected a number`);
}

function jsonColumn(row: Row, column: string): unknown {
  const value = row[column];
  if (typeof value === 'string') return JSON.parse(value);
  if (value instanceof Uint8Array) return JSON.parse(Buffer.from(value).toString('utf8'));
  throw new Error(`column ${column}: expected JSON text`);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A hit without its score; the caller knows which score column applies. */
export function rowToHit(value: unknown, score: number): SearchHit {
  const row = asRow(value);
  return {
    id: str(row, COLUMNS.id),
    documentId: str(row, COLUMNS.documentId),
    chunkIndex: num(row, COLUMNS.chunkIndex),
    score,
    text: str(row, COLUMNS.text),
    headingPath: stringList(jsonColumn(row, COLUMNS.headingPath)),
    metadata: record(jsonColumn(row, COLUMNS.metadata)),
  };
}

/** Cosine similarity from LanceDB's cosine distance (1 - similarity). */
export function cosineScore(value: unknown): number {
  return 1 - num(asRow(value), '_distance');
}

export function bm25Score(value: unknown): number {
  return num(asRow(value), '_score');
}

export function rowToChunkRef(value: unknown): StoredChunkRef {
  const row = asRow(value);
  return {
    id: str(row, COLUMNS.id),
    chunkIndex: num(row, COLUMNS.chunkIndex),
    contentHash: str(row, COLUMNS.contentHash),
  };
}

/** A whole stored chunk (every column but the vector). */
export function rowToStoredChunk(value: unknown): StoredChunk {
  const row = asRow(value);
  return {
    id: str(row, COLUMNS.id),
    documentId: str(row, COLUMNS.documentId),
    chunkIndex: num(row, COLUMNS.chunkIndex),
    text: str(row, COLUMNS.text),
    contentHash: str(row, COLUMNS.contentHash),
    headingPath: stringList(jsonColumn(row, COLUMNS.headingPath)),
    start: num(row, COLUMNS.start),
    end: num(row, COLUMNS.end),
    metadata: record(jsonColumn(row, COLUMNS.metadata)),
  };
}

/** A whole stored point, vector included. */
export function rowToStoredPoint(value: unknown): StoredPoint {
  return { ...rowToStoredChunk(value), vector: rowToSample(value).vector };
}

/** A row read with the id and vector columns (the vector arrives as an Arrow list: iterable). */
export function rowToSample(value: unknown): SampledPoint {
  const row = asRow(value);
  const vector = row[COLUMNS.vector];
  if (vector === null || typeof vector !== 'object' || !(Symbol.iterator in vector)) {
    throw new Error(`column ${COLUMNS.vector}: expected a list of numbers`);
  }
  return { id: str(row, COLUMNS.id), vector: Float32Array.from(vector as Iterable<number>) };
}
