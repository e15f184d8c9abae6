/** A source line: [start, end) is its content without the line ending; `next` begins the next. */
export interface Line {
  start: number;
  end: number;
  next: number;
}

/** Splits on `\n`, `\r\n` and lone `\r`, keeping offsets into the original string. */
export function splitLines(source: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  const length = source.length;
  for (let i = 0; i < length; i++) {
    const code = source.charCodeAt(i);
    if (code === 10 /* \n */) {
      lines.push({ start, end: i, next: i + 1 });
      start = i + 1;
    } else if (code === 13 /* \r */) {
      const next = source.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      lines.push({ start, end: i, next });
      start = next;
      i = next - 1;
    }
  }
  if (start < length) lines.push({ start, end: length, next: length });
  return lines;
}

export function isBlank(source: string, line: Line): boolean {
  for (let i = line.start; i < line.end; i++) {
    if (!isWhitespaceCode(source.charCodeAt(i))) return false;
  }
  return true;
}

export function isWhitespaceCode(code: number): boolean {
  return (
    code === 32 ||
    code === 9 ||
    code === 10 ||
    code === 13 ||
    code === 12 ||
    code === 11 ||
    code === 0xa0 ||
    code === 0xfeff ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0x1680
  );
}

/** Column width of the leading spaces and tabs (tab stops every 4 columns). */
export function indentWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ' ') width++;
    else if (ch === '\t') width += 4 - (width % 4);
    else break;
  }
  return width;
}

/** Offset of the first character that is not a space or tab in [from, to), or `to`. */
export function skipIndent(source: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const code = source.charCodeAt(i);
    if (code !== 32 && code !== 9) break;
    i++;
  }
  return i;
}

/** End of the text in [from, to) once trailing whitespace is dropped. */
export function trimEndOffset(source: string, from: number, to: number): number {
  let i = to;
  while (i > from && isWhitespaceCode(source.charCodeAt(i - 1))) i--;
  return i;
}

/** Start of the text in [from, to) once leading whitespace is dropped. */
export function trimStartOffset(source: string, from: number, to: number): number {
  let i = from;
  while (i < to && isWhitespaceCode(source.charCodeAt(i))) i++;
  return i;
}
