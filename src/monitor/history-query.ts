/** `?history=1` (or true/yes) adds every kept sample; `?history=<n>` (n > 1) the latest n. */
export function historySamplesFromQuery(value: string | undefined, kept: number): number {
  if (value === undefined || value === '') return 0;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(v)) return kept;
  const n = Number(v);
  return Number.isInteger(n) && n > 1 ? Math.min(n, kept) : 0;
}
