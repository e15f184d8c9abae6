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

describe('metadataProblem on hostile nesting', () => {
  const nestedArrays = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it('counts arrays inside arrays as levels (3,000 deep crashed the store writer)', () => {
    expect(metadataProblem({ a: nestedArrays(3000) })).toMatch(
      /metadata\.a(\[0\])+: nested deeper than 5 levels/,
    );
    expect(metadataProblem({ a: nestedArrays(4) })).toBeNull();
    expect(metadataProblem({ a: nestedArrays(5) })).toMatch(/deeper than 5 levels/);
  });

  it('never overflows the stack, however deep', () => {
    expect(() => metadataProblem({ a: nestedArrays(200_000) })).not.toThrow();
  });

  it('checks keys of objects inside nested arrays', () => {
    expect(metadataProblem({ a: [[{ 'b c': 1 }]] })).toMatch(/metadata\.a\[0\]\[0\]: key 'b c'/);
  });
});
