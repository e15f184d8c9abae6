import type { Schemas } from '@qdrant/js-client-rest';
import type {
  Condition,
  Filter,
  MatchCondition,
  MatchValue,
  RangeCondition,
} from '../filter.types';

export type QdrantFilter = Schemas['Filter'];
type QdrantCondition = Schemas['Condition'];
export type PayloadIndexType = 'keyword' | 'integer' | 'float' | 'bool';

/** A filter the Qdrant adapter cannot express (bad key or non-finite number). */
export class QdrantFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QdrantFilterError';
  }
}

/** Payload keys a filter may address: the stored chunk fields and user metadata paths. */
const KEY_PATTERN = /^(documentId|chunkIndex|metadata(\.[A-Za-z0-9_-]{1,64}){1,16})$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Translates the API's filter language into Qdrant's filter JSON. Keys map one to one onto
 * payload keys (`metadata.lang` is the payload path `metadata.lang`); values travel as JSON
 * values inside `match`/`range`, never as query text, so nothing in a value is interpreted.
 * Keys are checked against a strict pattern because Qdrant gives `[]`, `"` and `[n]` in key
 * paths a meaning of their own.
 */
export function toQdrantFilter(filter: Filter): QdrantFilter {
  const out: QdrantFilter = {};
  if (filter.must && filter.must.length > 0) out.must = filter.must.map(toQdrantCondition);
  if (filter.should && filter.should.length > 0) out.should = filter.should.map(toQdrantCondition);
  if (filter.mustNot && filter.mustNot.length > 0) {
    out.must_not = filter.mustNot.map(toQdrantCondition);
  }
  return out;
}

function isMatchCondition(c: Condition): c is MatchCondition {
  return 'key' in c && 'match' in c;
}

function isRangeCondition(c: Condition): c is RangeCondition {
  return 'key' in c && 'range' in c;
}

function toQdrantCondition(condition: Condition): QdrantCondition {
  if (isMatchCondition(condition))
    return matchCondition(checkedKey(condition.key), condition.match);
  if (isRangeCondition(condition)) {
    return rangeCondition(checkedKey(condition.key), condition.range);
  }
  return toQdrantFilter(condition);
}

function checkedKey(key: string): string {
  if (!KEY_PATTERN.test(key) || key.split('.').some((segment) => FORBIDDEN_SEGMENTS.has(segment))) {
    throw new QdrantFilterError(
      `filter key '${key}' is not documentId, chunkIndex or metadata.<path> (letters, digits, _ and -)`,
    );
  }
  return key;
}

function matchCondition(key: string, match: MatchCondition['match']): QdrantCondition {
  if (typeof match === 'object' && match !== null) return matchAnyCondition(key, match.any);
  return matchOneCondition(key, match);
}

/** Qdrant matches strings, integers and booleans exactly; other numbers become a point range. */
function matchOneCondition(key: string, value: MatchValue): QdrantCondition {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    const finite = finiteNumber(key, value);
    return { key, range: { gte: finite, lte: finite } };
  }
  return { key, match: { value } };
}

/**
 * Qdrant's `match.any` takes a list of strings or a list of integers. Lists with booleans,
 * fractional numbers or mixed types become a `should` of one condition per kind.
 */
function matchAnyCondition(key: string, values: MatchValue[]): QdrantCondition {
  const strings = unique(values.filter((v): v is string => typeof v === 'string'));
  const integers = unique(
    values.filter((v): v is number => typeof v === 'number' && Number.isSafeInteger(v)),
  );
  const others = unique(
    values.filter(
      (v): v is number | boolean =>
        typeof v === 'boolean' || (typeof v === 'number' && !Number.isSafeInteger(v)),
    ),
  );
  const parts: QdrantCondition[] = [];
  if (strings.length > 0) parts.push({ key, match: { any: strings } });
  if (integers.length > 0) parts.push({ key, match: { any: integers } });
  for (const value of others) parts.push(matchOneCondition(key, value));
  if (parts.length === 1) return parts[0];
  // An empty `any` list matches nothing, as the API specifies.
  if (parts.length === 0) return { key, match: { any: [] } };
  return { should: parts };
}

function rangeCondition(key: string, range: RangeCondition['range']): QdrantCondition {
  const out: Schemas['Range'] = {};
  if (range.gt !== undefined) out.gt = finiteNumber(key, range.gt);
  if (range.gte !== undefined) out.gte = finiteNumber(key, range.gte);
  if (range.lt !== undefined) out.lt = finiteNumber(key, range.lt);
  if (range.lte !== undefined) out.lte = finiteNumber(key, range.lte);
  return { key, range: out };
}

function finiteNumber(key: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new QdrantFilterError(`filter on '${key}': ${String(value)} is not a finite number`);
  }
  return value;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
