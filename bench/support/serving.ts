/**
 * Waits until the service holds at least `chunks` chunks in its in-memory serving indexes
 * (read from its Prometheus gauge, a total over collections: a bench service holds one), so
 * that measurements are not of the store fallback that answers while the index loads. The
 * first search of a collection starts its load. Answers false when the gauge has not appeared
 * within `absentMs`: a service without serving indexes (Qdrant, RAGLINE_SERVING=false).
 */
export async function waitForServing(
  url: string,
  chunks: number,
  timeoutMs = 300_000,
  absentMs = Infinity,
): Promise<boolean> {
  const started = Date.now();
  const pattern = /^ragline_serving_chunks (\d+)/m;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const held = Number(pattern.exec(text)?.[1] ?? -1);
    if (held >= chunks) return true;
    const waited = Date.now() - started;
    if (held < 0 && waited > absentMs) return false;
    if (waited > timeoutMs) {
      throw new Error(`not served from memory after ${timeoutMs} ms (${held} of ${chunks} chunks)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
