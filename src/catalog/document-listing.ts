import type { DocumentRecord } from './catalog.types';

/**
 * One page of a collection's documents in id order, after `ARGV[1]` ('' from the start), at
 * most `ARGV[2]` of them plus one more id (which says whether a next page exists).
 * KEYS: docs (hash id -> record), index (sorted set of the ids, all scores 0: ordered by id).
 * Writes keep both in step (MULTI); an index that disagrees in size with the hash (documents
 * written before the index existed, or by an older version) is rebuilt here first, in the
 * same atomic step. Returns { ids (up to limit + 1), records of the first `limit` }.
 */
export const LIST_DOCUMENTS = `
if redis.call('ZCARD', KEYS[2]) ~= redis.call('HLEN', KEYS[1]) then
  redis.call('DEL', KEYS[2])
  local all = redis.call('HKEYS', KEYS[1])
  for i = 1, #all, 1000 do
    local args = {}
    for j = i, math.min(i + 999, #all) do
      args[#args + 1] = 0
      args[#args + 1] = all[j]
    end
    redis.call('ZADD', KEYS[2], unpack(args))
  end
end
local min = '-'
if ARGV[1] ~= '' then min = '(' .. ARGV[1] end
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYLEX', KEYS[2], min, '+', 'LIMIT', 0, limit + 1)
local page = {}
for i = 1, math.min(limit, #ids) do page[i] = ids[i] end
if #page == 0 then return {ids, {}} end
return {ids, redis.call('HMGET', KEYS[1], unpack(page))}`;

export interface DocumentPage {
  documents: DocumentRecord[];
  /** The id the next page starts after; null on the last page. */
  after: string | null;
}

/** The script's reply as a page. */
export function documentPage(reply: [string[], (string | null)[]], limit: number): DocumentPage {
  const [ids, raw] = reply;
  const documents = raw
    .filter((r): r is string => r !== null)
    .map((r) => JSON.parse(r) as DocumentRecord);
  return { documents, after: ids.length > limit ? ids[limit - 1] : null };
}

/** Cursors are opaque to clients: the id to start after, base64url-encoded with a version. */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after })).toString('base64url');
}

/** The id a cursor starts after, or null if it is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { v, after } = parsed as { v?: unknown; after?: unknown };
    return v === 1 && typeof after === 'string' && after !== '' ? after : null;
  } catch {
    return null;
  }
}
