/**
 * `count` distinct offsets in [0, rows), in ascending order (so a `take` reads fragments in
 * order): a partial Fisher-Yates shuffle, kept sparse so a sample of 200 from 10 million rows
 * costs 200 steps, not 10 million.
 */
export function randomOffsets(rows: number, count: number, random = Math.random): number[] {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError('rows must be an integer >= 0');
  const n = Math.min(Math.max(0, Math.floor(count)), rows);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const chosen = at(j);
    swapped.set(j, at(i));
    picked.push(chosen);
  }
  return picked.sort((a, b) => a - b);
}
