export type Align = 'left' | 'right';

/**
 * Columns padded to their widest cell, with a dashed rule under the header. By default the
 * first column is left-aligned and the others (numbers) right-aligned.
 */
export function table(header: string[], rows: string[][], align: Align[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const alignOf = (i: number): Align => align[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (alignOf(i) === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
