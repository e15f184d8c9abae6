import { createHash, timingSafeEqual } from 'node:crypto';

export type Scope = 'ingest' | 'search' | 'admin';

export interface ApiKeyEntry {
  name: string;
  scopes: Set<Scope>;
  hash: Buffer;
}

/** Parses RAGLINE_API_KEYS: comma-separated `name:scope+scope:sha256hex` (keys never stored in plain text). */
export function parseApiKeys(spec: string): ApiKeyEntry[] {
  return spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, scopes, hex] = entry.split(':');
      return { name, scopes: new Set(scopes.split('+') as Scope[]), hash: Buffer.from(hex, 'hex') };
    });
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Finds the entry for a presented key. Every entry is compared, each in constant time, so the
 * time taken says nothing about which entry (or how much of a hash) matched.
 */
export function findApiKey(entries: ApiKeyEntry[], presented: string): ApiKeyEntry | null {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKeyEntry | null = null;
  for (const entry of entries) {
    if (entry.hash.length === digest.length && timingSafeEqual(entry.hash, digest) && !found)
      found = entry;
  }
  return found;
}

export function hasScope(entry: ApiKeyEntry, needed: Scope): boolean {
  return entry.scopes.has('admin') || entry.scopes.has(needed);
}
