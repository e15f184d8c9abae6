import {
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { StoredPoint } from '../vector-store.port';

/**
 * Column names of a collection table. snake_case because LanceDB's SQL folds unquoted
 * identifiers to lower case; `start`/`end` become `*_offset` to stay clear of SQL keywords.
 */
export const COLUMNS = {
  id: 'id',
  vector: 'vector',
  documentId: 'document_id',
  chunkIndex: 'chunk_index',
  text: 'text',
  contentHash: 'content_hash',
  /** JSON array of strings. */
  headingPath: 'heading_path',
  start: 'start_offset',
  end: 'end_offset',
  /** Lance JSON (stored as JSONB), so filters can use json_extract / json_exists. */
  metadata: 'metadata',
} as const;

/** Columns a search hit needs (the vector stays on disk). */
export const HIT_COLUMNS: string[] = [
  COLUMNS.id,
  COLUMNS.documentId,
  COLUMNS.chunkIndex,
  COLUMNS.text,
  COLUMNS.headingPath,
  COLUMNS.metadata,
];

/** Every column but the vector: a whole stored chunk, as re-embedding reads it. */
export const CHUNK_COLUMNS: string[] = Object.values(COLUMNS).filter((c) => c !== COLUMNS.vector);

/**
 * Arrow's canonical JSON extension on a Utf8 field: Lance converts it to its JSONB type on
 * write. Data must be handed to LanceDB as an Arrow table built with this schema; plain row
 * objects are converted against the stored (binary) type and rejected.
 */
const JSON_EXTENSION = new Map([['ARROW:extension:name', 'arrow.json']]);

export function collectionSchema(dimensions: number, metadata: Map<string, string>): Schema {
  return new Schema(
    [
      new Field(COLUMNS.id, new Utf8(), false),
      new Field(
        COLUMNS.vector,
        new FixedSizeList(dimensions, new Field('item', new Float32(), true)),
        false,
      ),
      new Field(COLUMNS.documentId, new Utf8(), false),
      new Field(COLUMNS.chunkIndex, new Int32(), false),
      new Field(COLUMNS.text, new Utf8(), false),
      new Field(COLUMNS.contentHash, new Utf8(), false),
      new Field(COLUMNS.headingPath, new Utf8(), false),
      new Field(COLUMNS.start, new Int32(), false),
      new Field(COLUMNS.end, new Int32(), false),
      new Field(COLUMNS.metadata, new Utf8(), false, JSON_EXTENSION),
    ],
    metadata,
  );
}

/** Builds the Arrow table for a batch of points (already validated). */
export function pointsToArrow(points: readonly StoredPoint[], dimensions: number): ArrowTable {
  const schema = collectionSchema(dimensions, new Map());
  const n = points.length;
  const flat = new Float32Array(n * dimensions);
  points.forEach((p, i) => flat.set(p.vector, i * dimensions));
  const vectorType = schema.fields[1].type as FixedSizeList<Float32>;
  const floats = makeData({ type: new Float32(), length: n * dimensions, data: flat });
  const vectors = makeData({ type: vectorType, length: n, nullCount: 0, child: floats });
  const utf8 = (values: string[]) => vectorFromArray(values, new Utf8()).data[0];
  const int32 = (values: number[]) =>
    makeData({ type: new Int32(), length: n, data: Int32Array.from(values) });
  const children = [
    utf8(points.map((p) => p.id)),
    vectors,
    utf8(points.map((p) => p.documentId)),
    int32(points.map((p) => p.chunkIndex)),
    utf8(points.map((p) => p.text)),
    utf8(points.map((p) => p.contentHash)),
    utf8(points.map((p) => JSON.stringify(p.headingPath))),
    int32(points.map((p) => p.start)),
    int32(points.map((p) => p.end)),
    utf8(points.map((p) => JSON.stringify(p.metadata))),
  ];
  const struct = makeData({
    type: new Struct(schema.fields),
    length: n,
    nullCount: 0,
    children,
  });
  return new ArrowTable(schema, [new RecordBatch(schema, struct)]);
}
