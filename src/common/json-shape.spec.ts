import { jsonShapeProblem } from './json-shape';

describe('jsonShapeProblem', () => {
  it('names the first path past the depth limit, counting arrays and objects alike', () => {
    expect(jsonShapeProblem({ a: [{ b: [1] }] }, { maxDepth: 4 })).toBeNull();
    expect(jsonShapeProblem({ a: [{ b: [[1]] }] }, { maxDepth: 4 })).toBe(
      'body.a[0].b[0]: nested deeper than 4 levels',
    );
  });

  it('walks a million levels without recursion', () => {
    let value: unknown = 'x';
    for (let i = 0; i < 1_000_000; i++) value = { k: value };
    expect(jsonShapeProblem(value, { maxDepth: 32 })).toMatch(/nested deeper than 32 levels/);
  });

  it('bounds the number of values when asked', () => {
    expect(jsonShapeProblem([1, 2, 3], { maxDepth: 4, maxNodes: 3 })).toBe(
      'body: more than 3 values',
    );
    expect(jsonShapeProblem([1, 2], { maxDepth: 4, maxNodes: 3 })).toBeNull();
  });
});
