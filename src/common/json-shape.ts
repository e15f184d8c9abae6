/**
 * One bounded walk over untrusted JSON (request bodies, metadata, filters): iterative, so no
 * input can overflow the stack here, and it stops at the first problem. Everything recursive
 * downstream (JSON.stringify, the stores' JSON writers, which crashed the worker process on
 * 3,000 nested arrays) only ever sees values that passed it.
 */
export interface JsonShapeLimits {
  /** Nesting levels of objects and arrays together; the value itself is level 1. */
  maxDepth: number;
  /** Objects, arrays and scalars in all. Default: unbounded (the body size bounds it). */
  maxNodes?: number;
}

/** Returns a reason naming the first offending path, or null when the value fits the limits. */
export function jsonShapeProblem(
  value: unknown,
  limits: JsonShapeLimits,
  root = 'body',
): string | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value, path: root, depth: 1 },
  ];
  let nodes = 0;
  const maxNodes = limits.maxNodes ?? Infinity;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    nodes += 1;
    if (nodes > maxNodes) return `${root}: more than ${maxNodes} values`;
    const current = item.value;
    if (current === null || typeof current !== 'object') continue;
    if (item.depth > limits.maxDepth) {
      return `${item.path}: nested deeper than ${limits.maxDepth} levels`;
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], path: `${item.path}[${i}]`, depth: item.depth + 1 });
      }
    } else {
      const entries = Object.entries(current as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        stack.push({
          value: child,
          path: `${item.path}.${key.slice(0, 64)}`,
          depth: item.depth + 1,
        });
      }
    }
  }
  return null;
}

/** Nesting any request body may have; the deepest legitimate one (a filter) needs about 12. */
export const MAX_BODY_DEPTH = 32;
