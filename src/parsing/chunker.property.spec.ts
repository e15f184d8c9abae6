import { chunkDocument } from './chunker';
import { parseDocument } from './parse-document';
import { bodyOf, expectBodyMatchesSource, seededRandom } from './testing/chunk-invariants';
import { useLiteTokenCounter } from './testing/use-lite-token-counter';
import type { Chunk, DocumentFormat, ParsedDocument } from './types';

/**
 * Property-style tests: random documents (headings, prose, lists, tables, code, quotes, huge
 * words, Unicode, CRLF, malformed markup) in every format, chunked with several token counters
 * and sizes; every chunking must keep all the invariants. Seeds make failures reproducible.
 */

type Element =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; sentences: string[] }
  | { kind: 'code'; lines: string[]; info: string }
  | { kind: 'list'; items: Array<{ depth: number; text: string }>; ordered: boolean }
  | { kind: 'table'; rows: string[][] }
  | { kind: 'quote'; sentences: string[] };

const WORDS = (
  'the a of to and in is it that for on with as server request reply handler route plugin schema ' +
  'configuration performance throughput latency cache queue worker vector embedding index search ' +
  'fastify.get() onRequest preHandler JSON HTTP/2 404 3000ms 1.5x e.g. i.e. snake_case camelCaseName ' +
  'café naïve Straße 日本語 données 🎉 x² — “quoted” (parenthesised) [bracketed] a&b <tag> 50% $HOME'
).split(' ');

class DocumentGenerator {
  constructor(private readonly random: () => number) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private words(count: number): string {
    return Array.from({ length: count }, () => this.pick(WORDS)).join(' ');
  }

  private sentence(): string {
    const text = this.words(this.int(2, 24));
    return text[0].toUpperCase() + text.slice(1) + this.pick(['.', '.', '.', '!', '?', ':', '']);
  }

  private sentences(max: number): string[] {
    return Array.from({ length: this.int(1, max) }, () => this.sentence());
  }

  private codeLine(): string {
    const indent = this.pick(['', '  ', '    ', '\t', '        ', '            ']);
    if (this.random() < 0.03)
      return indent + 'const data = "' + 'ab12'.repeat(this.int(20, 120)) + '";';
    return (
      indent +
      this.pick(['const', 'let', 'return', 'if (', '}', '//', 'await']) +
      ' ' +
      this.words(this.int(0, 8))
    );
  }

  element(): Element {
    const r = this.random();
    if (r < 0.15)
      return { kind: 'heading', level: this.int(1, 6), text: this.words(this.int(1, 7)) };
    if (r < 0.5)
      return { kind: 'paragraph', sentences: this.sentences(this.random() < 0.1 ? 60 : 8) };
    if (r < 0.65) {
      const lines = Array.from(
        { length: this.random() < 0.2 ? this.int(30, 120) : this.int(1, 15) },
        () => this.codeLine(),
      );
      return { kind: 'code', lines, info: this.pick(['', 'js', 'ts title="x.ts"', 'sh']) };
    }
    if (r < 0.8) {
      const items = Array.from({ length: this.int(1, 14) }, () => ({
        depth: this.int(0, 2),
        text: this.sentences(2).join(' '),
      }));
      items[0].depth = 0;
      return { kind: 'list', items, ordered: this.random() < 0.3 };
    }
    if (r < 0.9) {
      const columns = this.int(2, 4);
      const rows = Array.from({ length: this.int(2, 10) }, () =>
        Array.from({ length: columns }, () => this.words(this.int(1, 4))),
      );
      return { kind: 'table', rows };
    }
    if (r < 0.95) return { kind: 'quote', sentences: this.sentences(4) };
    return {
      kind: 'paragraph',
      sentences: ['Hash ' + 'f0e1d2c3b4a5'.repeat(this.int(20, 300)) + ' end.'],
    };
  }

  document(): Element[] {
    return Array.from({ length: this.int(1, 30) }, () => this.element());
  }

  /** Hard-wraps prose at about 60 columns, as Markdown sources often are. */
  wrap(text: string): string {
    if (this.random() < 0.5) return text;
    return text.replace(/(.{40,60}?) /g, '$1\n');
  }

  markdown(elements: Element[]): string {
    const out: string[] = [];
    if (this.random() < 0.2) out.push('---\ntitle: Random\n---');
    for (const e of elements) {
      switch (e.kind) {
        case 'heading':
          out.push(
            this.random() < 0.2 && e.level <= 2
              ? `${e.text}\n${e.level === 1 ? '===' : '---'}`
              : `${'#'.repeat(e.level)} ${e.text}`,
          );
          break;
        case 'paragraph':
          out.push(
            this.wrap(
              e.sentences
                .map((s) =>
                  this.random() < 0.2
                    ? `${s} [a link](https://example.com/${this.int(1, 99)}) \`code()\``
                    : s,
                )
                .join(' '),
            ) + (this.random() < 0.1 ? ' <!-- note -->' : ''),
          );
          break;
        case 'code': {
          const fence = this.pick(['```', '~~~']);
          out.push(`${fence}${e.info}\n${e.lines.join('\n')}\n${fence}`);
          break;
        }
        case 'list':
          out.push(
            e.items
              .map(
                (item, i) =>
                  `${'  '.repeat(item.depth)}${e.ordered ? `${i + 1}.` : '-'} ${item.text}`,
              )
              .join('\n'),
          );
          break;
        case 'table':
          out.push(
            [e.rows[0], e.rows[0].map(() => '---'), ...e.rows.slice(1)]
              .map((row) => `| ${row.join(' | ')} |`)
              .join('\n'),
          );
          break;
        case 'quote':
          out.push(
            this.wrap(e.sentences.join(' '))
              .split('\n')
              .map((line) => `> ${line}`)
              .join('\n'),
          );
          break;
      }
      if (this.random() < 0.05) out.push('<a id="anchor"></a>');
    }
    // Sometimes the last fence is left open.
    let text = out.join('\n\n');
    if (this.random() < 0.1) text += '\n\n```js\nunclosed(fence);\n';
    return text;
  }

  html(elements: Element[]): string {
    const esc = (s: string): string =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const close = (tag: string): string => (this.random() < 0.2 ? '' : `</${tag}>`);
    const out: string[] = [
      '<!doctype html><html><head><title>T</title><style>p { x: y }</style></head><body>',
    ];
    for (const e of elements) {
      if (this.random() < 0.05) out.push('<script>document.write("<p>never</p>")</script>');
      switch (e.kind) {
        case 'heading':
          out.push(`<h${e.level}>${esc(e.text)}</h${e.level}>`);
          break;
        case 'paragraph':
          out.push(`<p>${this.wrap(e.sentences.map(esc).join(' <b>bold</b> '))}${close('p')}`);
          break;
        case 'code':
          out.push(`<pre><code>${esc(e.lines.join('\n'))}</code></pre>`);
          break;
        case 'list': {
          const tag = e.ordered ? 'ol' : 'ul';
          out.push(
            `<${tag}>${e.items.map((item) => `<li>${esc(item.text)}${close('li')}`).join('\n')}</${tag}>`,
          );
          break;
        }
        case 'table':
          out.push(
            `<table>${e.rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}</table>`,
          );
          break;
        case 'quote':
          out.push(`<blockquote>${esc(e.sentences.join(' '))}</blockquote>`);
          break;
      }
    }
    out.push('</body></html>');
    return out.join('\n');
  }

  text(elements: Element[]): string {
    return elements
      .map((e) => {
        switch (e.kind) {
          case 'heading':
            return e.text;
          case 'paragraph':
          case 'quote':
            return this.wrap(e.sentences.join(' '));
          case 'code':
            return e.lines.join('\n');
          case 'list':
            return e.items.map((item) => `- ${item.text}`).join('\n');
          case 'table':
            return e.rows.map((row) => row.join('\t')).join('\n');
        }
      })
      .join(this.pick(['\n\n', '\n\n\n', '\n \n']));
  }
}

const counters: Record<string, (text: string) => number> = {
  /** Whitespace-separated words: far fewer tokens than the estimate assumes. */
  words: (text) => text.split(/\s+/).filter((w) => w.length > 0).length,
  /** One token per 3 characters: far more tokens than the estimate assumes for prose. */
  chars: (text) => Math.ceil(text.length / 3),
};

/** Every content word (maximal run of non-space, non-markup characters) lies inside some chunk's range. */
function expectAllContentCovered(parsed: ParsedDocument, chunks: Chunk[]): void {
  const ranges = chunks.map((c) => [c.start, c.end]).sort((a, b) => a[0] - b[0]);
  let r = 0;
  for (const block of parsed.blocks) {
    if (block.kind === 'heading') continue;
    const markup = block.markup ?? [];
    let m = 0;
    for (let pos = block.start; pos < block.end; pos++) {
      while (m < markup.length && markup[m].end <= pos) m++;
      if (m < markup.length && markup[m].start <= pos) continue;
      if (/\s/.test(parsed.text[pos])) continue;
      while (r < ranges.length && ranges[r][1] <= pos) r++;
      const covered = ranges.slice(r).some(([start, end]) => start <= pos && pos < end);
      if (!covered)
        throw new Error(
          `content at ${pos} (${JSON.stringify(parsed.text.slice(pos, pos + 20))}) is in no chunk`,
        );
    }
  }
}

describe('chunkDocument on random documents (property-style)', () => {
  let useLite: (text: string) => number;
  beforeAll(async () => {
    useLite = await useLiteTokenCounter();
  });

  const formats: DocumentFormat[] = ['markdown', 'html', 'text'];
  const cases = Array.from({ length: 60 }, (_, i) => i + 1);

  it.each(cases)('seed %i keeps every invariant', (seed) => {
    const random = seededRandom(seed);
    const generator = new DocumentGenerator(random);
    const elements = generator.document();
    const format = formats[seed % 3];
    let content =
      format === 'markdown'
        ? generator.markdown(elements)
        : format === 'html'
          ? generator.html(elements)
          : generator.text(elements);
    if (random() < 0.3) content = content.replace(/\n/g, '\r\n');
    const counterName = ['useLite', 'useLite', 'words', 'chars'][seed % 4];
    const countTokens = counterName === 'useLite' ? useLite : counters[counterName];
    const maxTokens = [16, 32, 64, 128, 128, 256][Math.floor(random() * 6)];
    const overlapTokens = Math.floor(maxTokens * [0, 0.1, 0.2, 0.4][Math.floor(random() * 4)]);
    const options = { maxTokens, overlapTokens, countTokens };

    const parsed = parseDocument(format, content);
    const chunks = chunkDocument(parsed, options);
    const context = `${format} ${counterName} max ${maxTokens} overlap ${overlapTokens}`;

    expect({
      context,
      determinism: chunkDocument(parseDocument(format, content), options),
    }).toEqual({ context, determinism: chunks });
    const headings = parsed.blocks.filter((b) => b.kind === 'heading');
    chunks.forEach((chunk, i) => {
      expect({ context, index: chunk.index }).toEqual({ context, index: i });
      expect({ context, tokens: countTokens(chunk.text) <= maxTokens }).toEqual({
        context,
        tokens: true,
      });
      expect(chunk.text.trim().length).toBeGreaterThan(0);
      expectBodyMatchesSource(parsed, chunk);
      expect(headings.some((h) => h.start < chunk.end && h.end > chunk.start)).toBe(false);
    });
    expectAllContentCovered(parsed, chunks);
    if (counterName === 'useLite') {
      // Code blocks well under the limit are never split.
      for (const block of parsed.blocks) {
        if (block.kind === 'code' && useLite(block.text) <= maxTokens * 0.4) {
          // Whole, give or take trailing spaces on its lines.
          const code = block.text.replace(/[ \t]+$/gm, '');
          expect({ context, whole: chunks.some((c) => bodyOf(c).includes(code)) }).toEqual({
            context,
            whole: true,
          });
        }
      }
    }
  });
});
