const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_DEPTH = 5;

/**
 * Checks user metadata: plain JSON objects, keys that filters can address (letters, digits,
 * _ and -), never prototype-polluting names, bounded depth. Returns a reason, or null if fine.
 */
export function metadataProblem(value: unknown, path = 'metadata', depth = 0): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return depth === 0 ? `${path}: must be an object` : null;
  }
  if (depth >= MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}: key '${key}' is not allowed`;
    if (!KEY_PATTERN.test(key)) return `${path}: key '${key}' must match ${KEY_PATTERN.source}`;
    const child = (value as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) {
        const problem =
          child[i] !== null && typeof child[i] === 'object'
            ? metadataProblem(child[i], `${path}.${key}[${i}]`, depth + 1)
            : null;
        if (problem) return problem;
      }
    } else if (child !== null && typeof child === 'object') {
      const problem = metadataProblem(child, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}

/** JSON with sorted keys, so equal metadata always hashes equal. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
