/**
 * Waits until the service serves a store collection from memory with at least `chunks` chunks
 * (read from its Prometheus gauge), so that measurements are not of the store fallback that
 * answers while the index loads. The first search of a collection starts its load.
 */
export async function waitForServing(
  url: string,
  storeCollection: string,
  chunks: number,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(
    `^ragline_serving_chunks\\{collection="${storeCollection}"\\} (\\d+)`,
    'm',
  );
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const held = Number(pattern.exec(text)?.[1] ?? -1);
    if (held >= chunks) return;
    if (Date.now() > deadline) {
      throw new Error(
        `'${storeCollection}' not served from memory after ${timeoutMs} ms (${held} of ${chunks} chunks)`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
