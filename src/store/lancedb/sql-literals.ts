/**
 * SQL literals for LanceDB `where` clauses. LanceDB has no bind parameters, so every value
 * reaching SQL text goes through one of these. Verified against LanceDB 0.31 (lance 8): a
 * single-quoted literal ends only at an undoubled quote, and backslashes are not escapes.
 */

/** A string literal: single quotes doubled, everything else verbatim. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A numeric literal; throws on NaN and infinities, which have no SQL spelling here. */
export function sqlNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`not a finite number: ${String(value)}`);
  }
  // String() gives digits, '.', '-', 'e', '+' only (e.g. 1e+21, -2.5, 5e-324).
  return String(Object.is(value, -0) ? 0 : value);
}

export function sqlBoolean(value: boolean): string {
  return value ? 'TRUE' : 'FALSE';
}

const SAFE_PATH_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A JSONPath (`$["a"]["b"]`) for validated metadata path segments. Bracket notation because
 * dotted JSONPath rejects '-' in names. Segments are re-checked here so that nothing outside
 * the filter grammar can reach the path text.
 */
export function jsonPath(segments: readonly string[]): string {
  for (const segment of segments) {
    if (!SAFE_PATH_SEGMENT.test(segment)) throw new Error(`unsafe JSON path segment: ${segment}`);
  }
  return `$${segments.map((s) => `["${s}"]`).join('')}`;
}
