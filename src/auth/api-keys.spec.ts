import { findApiKey, hashApiKey, hasScope, parseApiKeys } from './api-keys';

describe('API keys', () => {
  const spec = `ci:ingest+search:${hashApiKey('secret-1')}, ops:admin:${hashApiKey('secret-2')}`;
  const keys = parseApiKeys(spec);

  it('finds the entry of a presented key by its hash, never by plain text', () => {
    expect(findApiKey(keys, 'secret-1')?.name).toBe('ci');
    expect(findApiKey(keys, 'secret-2')?.name).toBe('ops');
    expect(findApiKey(keys, 'secret-3')).toBeNull();
    expect(findApiKey(keys, hashApiKey('secret-1'))).toBeNull();
  });

  it('checks scopes; admin implies every scope', () => {
    const [ci, ops] = keys;
    expect(hasScope(ci, 'ingest')).toBe(true);
    expect(hasScope(ci, 'admin')).toBe(false);
    expect(hasScope(ops, 'search')).toBe(true);
  });
});
