import type { RaglineClient } from '../../../src/client';
import { SEARCH_COLLECTION } from './session';

/**
 * Searches every query once (a few at a time) so the measured run starts from a warm cache,
 * the steady state of a Zipf mix over a fixed pool; the cold start is then not in the figures.
 */
export async function warmCache(client: RaglineClient, queries: string[]): Promise<number> {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < queries.length) {
        await client.search(SEARCH_COLLECTION, { query: queries[next++], limit: 10 });
      }
    }),
  );
  return Math.round((Date.now() - started) / 100) / 10;
}
