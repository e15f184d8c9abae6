import { parseDocument } from './parse-document';
import { parseText } from './text-parser';

describe('parseText', () => {
  it('splits paragraphs on blank lines, offsets into the original text', () => {
    const text = '  First line\nsame paragraph.\n\n\t\nSecond paragraph.  \n   \nThird';
    const parsed = parseText(text);
    expect(parsed.text).toBe(text);
    expect(parsed.blocks.map((b) => [b.kind, b.text])).toEqual([
      ['paragraph', 'First line\nsame paragraph.'],
      ['paragraph', 'Second paragraph.'],
      ['paragraph', 'Third'],
    ]);
    for (const block of parsed.blocks) expect(text.slice(block.start, block.end)).toBe(block.text);
  });

  it('treats CRLF and lone CR line endings like LF', () => {
    const parsed = parseText('One\r\ntwo\r\n\r\nThree\r\rFour');
    expect(parsed.blocks.map((b) => b.text)).toEqual(['One\ntwo', 'Three', 'Four']);
    expect(parsed.text.slice(parsed.blocks[0].start, parsed.blocks[0].end)).toBe('One\r\ntwo');
  });

  it('keeps a 1 MB text without blank lines as one paragraph', () => {
    const text = 'word '.repeat(200_000);
    const started = performance.now();
    const parsed = parseText(text);
    expect(performance.now() - started).toBeLessThan(500);
    expect(parsed.blocks).toHaveLength(1);
    expect(parsed.blocks[0].end).toBe(text.length - 1);
  });
});

describe('parseDocument', () => {
  it('dispatches on the format', () => {
    const content = '# Title\n\n<p>para</p>';
    expect(parseDocument('text', content).blocks.map((b) => b.kind)).toEqual([
      'paragraph',
      'paragraph',
    ]);
    expect(parseDocument('markdown', content).blocks.map((b) => b.kind)).toEqual([
      'heading',
      'paragraph',
    ]);
    expect(parseDocument('html', content).text).toBe('# Title\n\npara');
  });

  it('gives no blocks for empty or whitespace-only content in every format', () => {
    for (const format of ['text', 'markdown', 'html'] as const) {
      for (const content of ['', ' ', '\n\r\n\t \n'])
        expect(parseDocument(format, content).blocks).toEqual([]);
    }
  });
});
