type JsonObject = Record<string, unknown>;

/**
 * Qdrant's filter semantics for the subset the adapter sends, in the stand-in server: must /
 * should / must_not, `match` value or any (strict equality, any element of a stored array),
 * `range` (over numbers, array elements included), nested filters. Test support only.
 */
export function matchesFilter(payload: JsonObject, filter: JsonObject): boolean {
  const conditions = (v: unknown): JsonObject[] =>
    Array.isArray(v) ? v.map(asObject) : v ? [asObject(v)] : [];
  const test = (c: JsonObject): boolean =>
    'key' in c ? matchesCondition(payload, c) : matchesFilter(payload, c);
  const should = conditions(filter.should);
  return (
    conditions(filter.must).every(test) &&
    (should.length === 0 || should.some(test)) &&
    !conditions(filter.must_not).some(test)
  );
}

function matchesCondition(payload: JsonObject, c: JsonObject): boolean {
  let values: unknown[] = [payload];
  for (const part of String(c.key).split('.')) {
    values = values.flatMap((v) => {
      const next = typeof v === 'object' && v !== null ? (v as JsonObject)[part] : undefined;
      return Array.isArray(next) ? next : next === undefined ? [] : [next];
    });
  }
  if (c.match) {
    const match = asObject(c.match);
    const wanted = 'any' in match ? asArray(match.any) : [match.value];
    return values.some((v) => wanted.includes(v));
  }
  if (c.range) {
    const r = asObject(c.range);
    const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (num(r.gt) === null || v > (num(r.gt) ?? 0)) &&
        (num(r.gte) === null || v >= (num(r.gte) ?? 0)) &&
        (num(r.lt) === null || v < (num(r.lt) ?? 0)) &&
        (num(r.lte) === null || v <= (num(r.lte) ?? 0)),
    );
  }
  return false;
}

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
