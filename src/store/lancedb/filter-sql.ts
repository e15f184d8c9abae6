import { FilterKey, isMatchCondition, isRangeCondition, parseFilterKey } from '../filter';
import type { Condition, Filter, MatchValue, RangeCondition } from '../filter.types';
import { COLUMNS } from './table-schema';
import { jsonPath, sqlBoolean, sqlNumber, sqlString } from './sql-literals';

/**
 * Translates a validated Filter (output of parseFilter) into a LanceDB SQL predicate with the
 * semantics of matchesFilter.
 *
 * Metadata is a Lance JSON column (JSONB). Its typed getters (json_get_float, ...) fail the
 * whole query on a row of another type, and its JSONPath parser rejects decimal literals, so:
 * - strings compare the JSON text of the value (json_extract returns the same text as
 *   JSON.stringify, checked for all of the BMP and astral characters) and, for arrays, an
 *   element's JSON text (json_array_contains with the quoted form is exact);
 * - booleans and safe integers use a JSONPath predicate (`$["k"][*] ? (@ == 3)`, typed, and
 *   it looks inside arrays) for the type, AND the element text for "directly in the array";
 * - other numbers use TRY_CAST of the JSON text (a string keeps its quotes and fails the cast)
 *   for scalars, and element text for arrays.
 * Known gaps (both need a string that spells the wanted number or boolean): an array holding
 * the string "2.5" matches the number 2.5; an array holding both a nested array with `true`
 * (or an integer) and the string "true" (or that integer's digits) matches `true` (or it).
 * Every leaf is wrapped in COALESCE(..., FALSE) so that NULL (a missing key) never turns
 * NOT into "unknown".
 */
export function filterToSql(filter: Filter): string {
  const parts: string[] = [];
  if (filter.must?.length) parts.push(joinAll(filter.must.map(conditionToSql), 'AND'));
  if (filter.should?.length) parts.push(joinAll(filter.should.map(conditionToSql), 'OR'));
  if (filter.mustNot?.length) {
    parts.push(`NOT ${joinAll(filter.mustNot.map(conditionToSql), 'OR')}`);
  }
  return parts.length === 0 ? 'TRUE' : joinAll(parts, 'AND');
}

/**
 * Joins parts as a balanced tree, never a chain: LanceDB's planner recurses once per operand of
 * a chain and crashed the process (exit 139) on a 2,048-operand OR; a tree is log2(n) deep.
 */
export function joinAll(parts: readonly string[], operator: 'AND' | 'OR'): string {
  if (parts.length === 1) return `(${parts[0]})`;
  const middle = parts.length >> 1;
  return `(${joinAll(parts.slice(0, middle), operator)} ${operator} ${joinAll(parts.slice(middle), operator)})`;
}

function conditionToSql(condition: Condition): string {
  if (isMatchCondition(condition)) {
    const key = requireKey(condition.key);
    const match = condition.match;
    const values = typeof match === 'object' ? match.any : [match];
    return `COALESCE(${matchToSql(key, values)}, FALSE)`;
  }
  if (isRangeCondition(condition)) {
    const key = requireKey(condition.key);
    return `COALESCE(${rangeToSql(key, condition.range)}, FALSE)`;
  }
  return filterToSql(condition);
}

function requireKey(key: string): FilterKey {
  const parsed = parseFilterKey(key);
  if (typeof parsed === 'string') throw new Error(`invalid filter key '${key}': ${parsed}`);
  return parsed;
}

function matchToSql(key: FilterKey, values: readonly MatchValue[]): string {
  if (values.length === 0) return 'FALSE';
  if (key.field === 'documentId') {
    const strings = values.filter((v): v is string => typeof v === 'string');
    return strings.length
      ? `${COLUMNS.documentId} IN (${strings.map(sqlString).join(', ')})`
      : 'FALSE';
  }
  if (key.field === 'chunkIndex') {
    const integers = values.filter((v): v is number => Number.isSafeInteger(v));
    return integers.length
      ? `${COLUMNS.chunkIndex} IN (${integers.map(sqlNumber).join(', ')})`
      : 'FALSE';
  }
  return metadataMatchToSql(jsonPath(key.path), values);
}

/**
 * A stored value equals one of `values`, or a stored array holds one of them. Scalars of each
 * type are compared with one `IN` list (cost independent of how many values); array
 * membership needs a term per value, joined as a balanced tree (see joinAll).
 */
function metadataMatchToSql(path: string, values: readonly MatchValue[]): string {
  const column = COLUMNS.metadata;
  const pathLiteral = sqlString(path);
  const extracted = `json_extract(${column}, ${pathLiteral})`;
  const asNumber = `TRY_CAST(${extracted} AS DOUBLE)`;
  const elementText = (text: string) =>
    `json_array_contains(${column}, ${pathLiteral}, ${sqlString(text)})`;
  const scalarTexts: string[] = [];
  const scalarNumbers: string[] = [];
  const arrayTerms: string[] = [];
  for (const value of new Set(values)) {
    if (typeof value === 'string') {
      const text = JSON.stringify(value);
      scalarTexts.push(sqlString(text));
      arrayTerms.push(elementText(text));
    } else if (typeof value === 'boolean' || Number.isSafeInteger(value)) {
      const literal = typeof value === 'boolean' ? String(value) : sqlNumber(value);
      if (typeof value === 'boolean') scalarTexts.push(sqlString(literal));
      else scalarNumbers.push(literal);
      const typedAnywhere = `json_exists(${column}, ${sqlString(`${path}[*] ? (@ == ${literal})`)})`;
      arrayTerms.push(`(${typedAnywhere} AND ${elementText(literal)})`);
    } else {
      scalarNumbers.push(sqlNumber(value));
      arrayTerms.push(elementText(JSON.stringify(value)));
    }
  }
  const terms: string[] = [];
  if (scalarTexts.length) terms.push(`${extracted} IN (${scalarTexts.join(', ')})`);
  if (scalarNumbers.length) terms.push(`${asNumber} IN (${scalarNumbers.join(', ')})`);
  terms.push(...arrayTerms);
  return joinAll(terms, 'OR');
}

function rangeToSql(key: FilterKey, range: RangeCondition['range']): string {
  let operand: string;
  if (key.field === 'chunkIndex') operand = COLUMNS.chunkIndex;
  else if (key.field === 'metadata') {
    operand = `TRY_CAST(json_extract(${COLUMNS.metadata}, ${sqlString(jsonPath(key.path))}) AS DOUBLE)`;
  } else return 'FALSE';
  const bounds: string[] = [];
  if (range.gt !== undefined) bounds.push(`${operand} > ${sqlNumber(range.gt)}`);
  if (range.gte !== undefined) bounds.push(`${operand} >= ${sqlNumber(range.gte)}`);
  if (range.lt !== undefined) bounds.push(`${operand} < ${sqlNumber(range.lt)}`);
  if (range.lte !== undefined) bounds.push(`${operand} <= ${sqlNumber(range.lte)}`);
  return bounds.length ? `(${bounds.join(' AND ')})` : 'FALSE';
}

/** `id IN (...)` for a list of ids (callers chunk long lists). */
export function idsToSql(ids: readonly string[]): string {
  return ids.length ? `${COLUMNS.id} IN (${ids.map(sqlString).join(', ')})` : sqlBoolean(false);
}
