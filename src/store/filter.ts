import type { Condition, Filter, MatchCondition, MatchValue, RangeCondition } from './filter.types';

/**
 * Validation and reference semantics of the one filter language (docs/API.md). Every adapter
 * translates the output of `parseFilter`; `matchesFilter` is the executable definition of what
 * a filter means, and adapters are tested against it.
 *
 * Semantics:
 * - `must`: every condition holds; `should`: at least one holds (when non-empty); `mustNot`:
 *   none holds. `{}` matches everything.
 * - `match` compares with strict type equality (`"3"` never equals `3`). A stored array
 *   matches when any of its elements is equal. `{ any: [...] }` matches when any value does;
 *   an empty `any` matches nothing.
 * - `range` holds for a stored finite number inside every given bound. Arrays and other types
 *   never satisfy a range (Qdrant would test array elements; ragline does not rely on that).
 * - A missing key satisfies no `match` and no `range`, so `mustNot` keeps such points.
 */

export class FilterValidationError extends Error {
  constructor(
    /** Where in the input the problem is, e.g. `filter.must[0].range`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FilterValidationError';
  }
}

export interface FilterLimits {
  /** Nesting levels, the top-level filter counting as 1. */
  maxDepth?: number;
  /** Conditions in the whole tree (leaves and nested filters). */
  maxConditions?: number;
  /** Values in one `match.any` list. */
  maxAnyValues?: number;
  /**
   * Values in the whole filter (every `match` value and `any` element, one per `range`): what a
   * store must evaluate per row, so the bound on a filter's cost.
   */
  maxTotalValues?: number;
}

export const DEFAULT_FILTER_LIMITS: Required<FilterLimits> = {
  maxDepth: 4,
  maxConditions: 64,
  maxAnyValues: 1024,
  maxTotalValues: 1024,
};

export const MAX_FILTER_STRING_LENGTH = 1024;
const MAX_METADATA_PATH_SEGMENTS = 16;
const SEGMENT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const FILTER_FIELDS = new Set(['must', 'should', 'mustNot']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a condition's `key` addresses. */
export type FilterKey =
  { field: 'documentId' } | { field: 'chunkIndex' } | { field: 'metadata'; path: string[] };

/** The fields a filter can see on a stored point. */
export interface FilterPayload {
  documentId: string;
  chunkIndex: number;
  metadata: Record<string, unknown>;
}

/** Parses a condition key; returns a reason string when it is not part of the grammar. */
export function parseFilterKey(key: string): FilterKey | string {
  if (key === 'documentId') return { field: 'documentId' };
  if (key === 'chunkIndex') return { field: 'chunkIndex' };
  if (!key.startsWith('metadata.')) {
    return "must be 'documentId', 'chunkIndex' or 'metadata.<path>'";
  }
  const path = key.slice('metadata.'.length).split('.');
  if (path.length > MAX_METADATA_PATH_SEGMENTS) {
    return `metadata path has more than ${MAX_METADATA_PATH_SEGMENTS} segments`;
  }
  for (const segment of path) {
    if (!SEGMENT_PATTERN.test(segment)) {
      return `metadata path segment '${segment.slice(0, 80)}' must match ${SEGMENT_PATTERN.source}`;
    }
    if (FORBIDDEN_SEGMENTS.has(segment)) {
      return `metadata path segment '${segment}' is not allowed`;
    }
  }
  return { field: 'metadata', path };
}

/**
 * Validates untrusted input against the filter grammar and returns a fresh, normalised
 * Filter (only known fields are copied). Throws FilterValidationError naming the offending
 * path on anything malformed, too deep or too large.
 */
export function parseFilter(input: unknown, limits: FilterLimits = {}): Filter {
  const resolved: Required<FilterLimits> = { ...DEFAULT_FILTER_LIMITS, ...definedOnly(limits) };
  const budget = { conditions: 0, values: 0 };
  return parseFilterNode(input, 'filter', 1, resolved, budget);
}

function definedOnly(limits: FilterLimits): FilterLimits {
  const out: FilterLimits = {};
  if (limits.maxDepth !== undefined) out.maxDepth = limits.maxDepth;
  if (limits.maxConditions !== undefined) out.maxConditions = limits.maxConditions;
  if (limits.maxAnyValues !== undefined) out.maxAnyValues = limits.maxAnyValues;
  if (limits.maxTotalValues !== undefined) out.maxTotalValues = limits.maxTotalValues;
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

interface FilterBudget {
  conditions: number;
  values: number;
}

function spendValues(budget: FilterBudget, count: number, path: string, limit: number): void {
  budget.values += count;
  if (budget.values > limit) {
    throw new FilterValidationError(path, `the filter holds more than ${limit} values in all`);
  }
}

function parseFilterNode(
  input: unknown,
  path: string,
  depth: number,
  limits: Required<FilterLimits>,
  budget: FilterBudget,
): Filter {
  if (!isPlainObject(input)) throw new FilterValidationError(path, 'must be an object');
  if (depth > limits.maxDepth) {
    throw new FilterValidationError(path, `nested deeper than ${limits.maxDepth} levels`);
  }
  for (const field of Object.keys(input)) {
    if (!FILTER_FIELDS.has(field)) {
      throw new FilterValidationError(
        path,
        `unknown field '${field.slice(0, 80)}' (expected must, should or mustNot)`,
      );
    }
  }
  const filter: Filter = {};
  for (const field of ['must', 'should', 'mustNot'] as const) {
    const list = input[field];
    if (list === undefined) continue;
    const listPath = `${path}.${field}`;
    if (!Array.isArray(list)) throw new FilterValidationError(listPath, 'must be an array');
    filter[field] = list.map((item: unknown, i) =>
      parseCondition(item, `${listPath}[${i}]`, depth, limits, budget),
    );
  }
  return filter;
}

function parseCondition(
  input: unknown,
  path: string,
  depth: number,
  limits: Required<FilterLimits>,
  budget: FilterBudget,
): Condition {
  budget.conditions += 1;
  if (budget.conditions > limits.maxConditions) {
    throw new FilterValidationError(path, `more than ${limits.maxConditions} conditions`);
  }
  if (!isPlainObject(input)) throw new FilterValidationError(path, 'must be an object');
  if (!('key' in input)) {
    if ('match' in input || 'range' in input) {
      throw new FilterValidationError(`${path}.key`, 'is required');
    }
    return parseFilterNode(input, path, depth + 1, limits, budget);
  }
  const key = input.key;
  if (typeof key !== 'string') throw new FilterValidationError(`${path}.key`, 'must be a string');
  const parsedKey = parseFilterKey(key);
  if (typeof parsedKey === 'string') throw new FilterValidationError(`${path}.key`, parsedKey);
  const hasMatch = 'match' in input;
  const hasRange = 'range' in input;
  if (hasMatch === hasRange) {
    throw new FilterValidationError(path, 'needs exactly one of match or range');
  }
  for (const field of Object.keys(input)) {
    if (field !== 'key' && field !== 'match' && field !== 'range') {
      throw new FilterValidationError(path, `unknown field '${field.slice(0, 80)}'`);
    }
  }
  if (hasMatch) {
    const match = parseMatch(input.match, `${path}.match`, parsedKey, limits);
    const count = typeof match === 'object' ? match.any.length : 1;
    spendValues(budget, count, `${path}.match`, limits.maxTotalValues);
    return { key, match };
  }
  spendValues(budget, 1, `${path}.range`, limits.maxTotalValues);
  return { key, range: parseRange(input.range, `${path}.range`, parsedKey) };
}

function parseMatch(
  input: unknown,
  path: string,
  key: FilterKey,
  limits: Required<FilterLimits>,
): MatchCondition['match'] {
  if (isPlainObject(input)) {
    const fields = Object.keys(input);
    if (fields.length !== 1 || fields[0] !== 'any') {
      throw new FilterValidationError(path, 'must be a value or {any: [values]}');
    }
    const values = input.any;
    if (!Array.isArray(values)) throw new FilterValidationError(`${path}.any`, 'must be an array');
    if (values.length > limits.maxAnyValues) {
      throw new FilterValidationError(`${path}.any`, `more than ${limits.maxAnyValues} values`);
    }
    return { any: values.map((v: unknown, i) => parseMatchValue(v, `${path}.any[${i}]`, key)) };
  }
  return parseMatchValue(input, path, key);
}

function parseMatchValue(input: unknown, path: string, key: FilterKey): MatchValue {
  if (typeof input === 'string') {
    if (input.length > MAX_FILTER_STRING_LENGTH) {
      throw new FilterValidationError(path, `string longer than ${MAX_FILTER_STRING_LENGTH}`);
    }
    if (LONE_SURROGATE.test(input)) {
      throw new FilterValidationError(path, 'string is not well-formed Unicode');
    }
  } else if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new FilterValidationError(path, 'must be a finite number');
  } else if (typeof input !== 'boolean') {
    throw new FilterValidationError(path, 'must be a string, a finite number or a boolean');
  }
  if (key.field === 'documentId' && typeof input !== 'string') {
    throw new FilterValidationError(path, 'documentId values must be strings');
  }
  if (key.field === 'chunkIndex' && !Number.isSafeInteger(input)) {
    throw new FilterValidationError(path, 'chunkIndex values must be integers');
  }
  return input;
}

function parseRange(input: unknown, path: string, key: FilterKey): RangeCondition['range'] {
  if (key.field === 'documentId') {
    throw new FilterValidationError(path, 'documentId does not support range');
  }
  if (!isPlainObject(input)) throw new FilterValidationError(path, 'must be an object');
  const range: RangeCondition['range'] = {};
  const fields = Object.keys(input);
  if (fields.length === 0) {
    throw new FilterValidationError(path, 'needs at least one of gt, gte, lt, lte');
  }
  for (const field of fields) {
    if (field !== 'gt' && field !== 'gte' && field !== 'lt' && field !== 'lte') {
      throw new FilterValidationError(
        path,
        `unknown bound '${field.slice(0, 80)}' (expected gt, gte, lt, lte)`,
      );
    }
    const bound = input[field];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new FilterValidationError(`${path}.${field}`, 'must be a finite number');
    }
    range[field] = bound;
  }
  return range;
}

export function isMatchCondition(condition: Condition): condition is MatchCondition {
  return 'key' in condition && 'match' in condition;
}

export function isRangeCondition(condition: Condition): condition is RangeCondition {
  return 'key' in condition && 'range' in condition;
}

/** True when a filter has no conditions at all (and so matches everything). */
export function isEmptyFilter(filter: Filter): boolean {
  return !filter.must?.length && !filter.should?.length && !filter.mustNot?.length;
}

/** Reference evaluator: does a stored point's payload satisfy the filter? */
export function matchesFilter(filter: Filter, payload: FilterPayload): boolean {
  const must = filter.must ?? [];
  const should = filter.should ?? [];
  const mustNot = filter.mustNot ?? [];
  if (!must.every((c) => conditionHolds(c, payload))) return false;
  if (should.length > 0 && !should.some((c) => conditionHolds(c, payload))) return false;
  return !mustNot.some((c) => conditionHolds(c, payload));
}

function conditionHolds(condition: Condition, payload: FilterPayload): boolean {
  if (isMatchCondition(condition)) {
    const stored = resolveKey(condition.key, payload);
    const match = condition.match;
    const wanted = typeof match === 'object' ? match.any : [match];
    return wanted.some((value) => valueMatches(stored, value));
  }
  if (isRangeCondition(condition)) {
    const stored = resolveKey(condition.key, payload);
    return typeof stored === 'number' && inRange(stored, condition.range);
  }
  return matchesFilter(condition, payload);
}

function resolveKey(key: string, payload: FilterPayload): unknown {
  const parsed = parseFilterKey(key);
  if (typeof parsed === 'string') return undefined;
  if (parsed.field === 'documentId') return payload.documentId;
  if (parsed.field === 'chunkIndex') return payload.chunkIndex;
  let current: unknown = payload.metadata;
  for (const segment of parsed.path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

function valueMatches(stored: unknown, value: MatchValue): boolean {
  if (stored === value) return true;
  return Array.isArray(stored) && stored.some((element) => element === value);
}

function inRange(value: number, range: RangeCondition['range']): boolean {
  if (!Number.isFinite(value)) return false;
  if (range.gt !== undefined && !(value > range.gt)) return false;
  if (range.gte !== undefined && !(value >= range.gte)) return false;
  if (range.lt !== undefined && !(value < range.lt)) return false;
  if (range.lte !== undefined && !(value <= range.lte)) return false;
  return true;
}
