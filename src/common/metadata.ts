import { jsonShapeProblem } from './json-shape';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Levels of objects and arrays, the metadata object itself counting as the first. */
const MAX_DEPTH = 5;

/**
 * Checks user metadata: a plain JSON object, keys that filters can address (letters, digits,
 * _ and -), never prototype-polluting names, at most MAX_DEPTH levels of objects and arrays
 * (arrays inside arrays count too). Iterative: no input can overflow the stack. Returns a
 * reason, or null if fine.
 */
export function metadataProblem(value: unknown, path = 'metadata'): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `${path}: must be an object`;
  }
  const shape = jsonShapeProblem(value, { maxDepth: MAX_DEPTH }, path);
  if (shape) return shape;
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      current.forEach((child, i) => stack.push({ value: child, path: `${item.path}[${i}]` }));
      continue;
    }
    for (const key of Object.keys(current)) {
      if (FORBIDDEN_KEYS.has(key)) return `${item.path}: key '${key}' is not allowed`;
      if (!KEY_PATTERN.test(key)) {
        return `${item.path}: key '${key.slice(0, 80)}' must match ${KEY_PATTERN.source}`;
      }
      stack.push({ value: (current as Record<string, unknown>)[key], path: `${item.path}.${key}` });
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
