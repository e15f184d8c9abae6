import { metadataProblem, stableStringify } from './metadata';

describe('metadataProblem', () => {
  it('accepts plain nested metadata', () => {
    expect(metadataProblem({ lang: 'en', tags: ['a', 'b'], source: { page: 3 } })).toBeNull();
  });

  it('names prototype-polluting keys, even nested or inside arrays', () => {
    const polluted = JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown;
    expect(metadataProblem(polluted)).toBe("metadata.a: key '__proto__' is not allowed");
    expect(metadataProblem({ list: [{ constructor: 1 }] })).toBe(
      "metadata.list[0]: key 'constructor' is not allowed",
    );
  });

  it('rejects keys a filter could not address and non-objects', () => {
    expect(metadataProblem({ 'a.b': 1 })).toMatch(/key 'a.b' must match/);
    expect(metadataProblem([1, 2])).toBe('metadata: must be an object');
  });

  it('bounds nesting depth', () => {
    expect(metadataProblem({ a: { b: { c: { d: { e: { f: 1 } } } } } })).toMatch(/deeper than/);
  });
});

describe('stableStringify', () => {
  it('is independent of key order', () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: 3 } })).toBe(
      stableStringify({ a: { c: 3, d: 2 }, b: 1 }),
    );
  });
});
