import { pointId, sha256Hex } from './hashing';

describe('pointId', () => {
  it('is deterministic and a valid UUID v5', () => {
    const a = pointId('docs', 'guide.md', 3);
    expect(a).toBe(pointId('docs', 'guide.md', 3));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('separates collection, document and chunk so no two inputs collide by concatenation', () => {
    expect(pointId('ab', 'c', 1)).not.toBe(pointId('a', 'bc', 1));
    expect(pointId('docs', 'a', 1)).not.toBe(pointId('docs', 'a', 11));
    expect(pointId('docs', 'a', 1)).not.toBe(pointId('other', 'a', 1));
  });
});

describe('sha256Hex', () => {
  it('hashes parts with a separator so part boundaries matter', () => {
    expect(sha256Hex('ab', 'c')).not.toBe(sha256Hex('a', 'bc'));
    expect(sha256Hex('x')).toHaveLength(64);
  });
});
