import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentWithout, parseMarkdown } from './markdown-parser';
import type { Block, ParsedDocument } from './types';

const FASTIFY_DOCS = join(process.cwd(), 'node_modules/fastify/docs');
const routesMd = readFileSync(join(FASTIFY_DOCS, 'Reference/Routes.md'), 'utf8');

const summary = (parsed: ParsedDocument): Array<[string, string, number?]> =>
  parsed.blocks.map((b) => (b.level === undefined ? [b.kind, b.text] : [b.kind, b.text, b.level]));

/** Every block's text is its source slice without its markup (line endings normalized). */
function expectBlocksMatchSource(parsed: ParsedDocument): void {
  for (const block of parsed.blocks) {
    const content = contentWithout(parsed.text, block.start, block.end, block.markup ?? []);
    if (block.kind === 'heading') expect(content.replace(/\s+/g, ' ').trim()).toBe(block.text);
    else expect(content.replace(/\r\n?/g, '\n')).toBe(block.text);
  }
}

describe('parseMarkdown', () => {
  it('reads ATX and setext headings with their levels, and leaves the text as given', () => {
    const md =
      '# Guide\n\nIntro text.\n\n## Install ##\n\nSetup\n=====\n\nLinux\n-----\n\n#hashtag is not a heading\n';
    const parsed = parseMarkdown(md);
    expect(parsed.text).toBe(md);
    expect(summary(parsed)).toEqual([
      ['heading', 'Guide', 1],
      ['paragraph', 'Intro text.'],
      ['heading', 'Install', 2],
      ['heading', 'Setup', 1],
      ['heading', 'Linux', 2],
      ['paragraph', '#hashtag is not a heading'],
    ]);
    expectBlocksMatchSource(parsed);
  });

  it('keeps fenced code whole, info string and fences included, whatever it contains', () => {
    const code = '```ts title="x"\n# not a heading\n\n- not a list\n<!-- not a comment -->\n```';
    const tilde = '~~~\n```\ninner backticks\n```\n~~~';
    const parsed = parseMarkdown(`Before\n${code}\n\n${tilde}\n\nAfter`);
    expect(summary(parsed)).toEqual([
      ['paragraph', 'Before'],
      ['code', code],
      ['code', tilde],
      ['paragraph', 'After'],
    ]);
  });

  it('runs an unclosed fence to the end of the document', () => {
    const parsed = parseMarkdown('Text\n\n```js\nconst a = 1;\n\n# still code');
    expect(summary(parsed)).toEqual([
      ['paragraph', 'Text'],
      ['code', '```js\nconst a = 1;\n\n# still code'],
    ]);
  });

  it('reads indented code, lists with continuation lines, block quotes and tables', () => {
    const md = [
      'Paragraph:',
      '',
      '    indented(code)',
      '      more',
      '',
      '- one',
      '  continued',
      '- two',
      '  - nested',
      '',
      '  still item two',
      '',
      '> quoted [link](http://example.com)',
      '> text',
      '',
      '| Name | Value |',
      '| ---- | :---: |',
      '| a    | 1     |',
    ].join('\n');
    const parsed = parseMarkdown(md);
    expect(summary(parsed)).toEqual([
      ['paragraph', 'Paragraph:'],
      ['code', '    indented(code)\n      more'],
      ['list', '- one\n  continued\n- two\n  - nested\n\n  still item two'],
      ['paragraph', ' quoted link\n text'],
      ['table', ' Name | Value \n\n a    | 1     '],
    ]);
    expectBlocksMatchSource(parsed);
  });

  it('keeps a fenced block inside a list item as code and the rest of the item as text', () => {
    const md = '- install:\n\n  ```sh\n  npm i fastify\n  ```\n\n  then run it\n- second';
    const parsed = parseMarkdown(md);
    expect(summary(parsed)).toEqual([
      ['list', '- install:'],
      ['code', '```sh\n  npm i fastify\n  ```'],
      ['paragraph', 'then run it'],
      ['list', '- second'],
    ]);
  });

  it('exposes front matter and skips it', () => {
    const md = '---\ntitle: Routes\ntags: [a, b]\n---\n# Routes\n\nBody';
    const parsed = parseMarkdown(md);
    expect(parsed.frontMatter).toBe('title: Routes\ntags: [a, b]');
    expect(summary(parsed)).toEqual([
      ['heading', 'Routes', 1],
      ['paragraph', 'Body'],
    ]);
    expect(parseMarkdown('Text\n\n---\nnot: front matter\n---\n').frontMatter).toBeUndefined();
  });

  it('drops HTML comments, thematic breaks and tag-only lines; reads <hN> lines as headings', () => {
    const md = [
      '<h1 align="center">Fastify</h1>',
      '',
      '<!-- a comment',
      'over lines -->',
      '',
      '## Routes',
      '<a id="routes"></a>',
      '',
      'Text <!-- inline --> with <b>bold</b> and a <https://autolink.example>.',
      '',
      '***',
      '',
      'End',
    ].join('\n');
    const parsed = parseMarkdown(md);
    expect(summary(parsed)).toEqual([
      ['heading', 'Fastify', 1],
      ['heading', 'Routes', 2],
      ['paragraph', 'Text  with bold and a <https://autolink.example>.'],
      ['paragraph', 'End'],
    ]);
    expectBlocksMatchSource(parsed);
  });

  it('drops link and image targets but keeps their text, and leaves code spans alone', () => {
    const md =
      'See [the docs](./Routes.md#url "Title") and [ref][id], ![alt](img.png), ' +
      '[![badge](b.svg)](https://ci) and `[not](a-link) <b>`.';
    const [block] = parseMarkdown(md).blocks;
    expect(block.text).toBe('See the docs and ref, alt, badge and `[not](a-link) <b>`.');
  });

  it('gives the same blocks for CRLF line endings, with offsets into the original', () => {
    const crlf = routesMd.replace(/\n/g, '\r\n');
    const lf = parseMarkdown(routesMd);
    const parsed = parseMarkdown(crlf);
    expect(parsed.text).toBe(crlf);
    expect(summary(parsed)).toEqual(summary(lf));
    expectBlocksMatchSource(parsed);
  });

  it('parses the Fastify Routes reference: headings, code fences and lists', () => {
    const parsed = parseMarkdown(routesMd);
    const headings = parsed.blocks.filter((b) => b.kind === 'heading');
    expect(headings.slice(0, 4).map((h) => [h.text, h.level])).toEqual([
      ['Fastify', 1],
      ['Routes', 2],
      ['Full declaration', 3],
      ['Routes options', 3],
    ]);
    const fences = routesMd.split('\n').filter((line) => /^\s*```/.test(line)).length;
    const code = parsed.blocks.filter((b) => b.kind === 'code');
    expect(code).toHaveLength(fences / 2);
    for (const block of code) expect(block.text).toMatch(/^```[a-z]*\n[\s\S]*\n\s*```$/);
    expect(parsed.blocks.some((b) => b.kind === 'list' && b.text.includes('* `method`:'))).toBe(
      true,
    );
    expect(parsed.blocks.some((b: Block) => b.kind !== 'code' && /<a id=|\]\(/.test(b.text))).toBe(
      false,
    );
    expectBlocksMatchSource(parsed);
  });

  it('parses every Fastify doc without a tag, comment or link target left in prose', () => {
    for (const file of [
      'Reference/TypeScript.md',
      'Reference/LTS.md',
      'Guides/Getting-Started.md',
    ]) {
      const parsed = parseMarkdown(readFileSync(join(FASTIFY_DOCS, file), 'utf8'));
      expect(parsed.blocks.length).toBeGreaterThan(10);
      for (const block of parsed.blocks.filter((b) => b.kind !== 'code')) {
        expect(block.text.replace(/`[^`]*`/g, '')).not.toMatch(/<!--|<\/?[a-z]+( [a-z]+=|>)|\]\(/);
      }
      expectBlocksMatchSource(parsed);
    }
  });

  it('survives malformed and pathological input quickly', () => {
    const inputs = [
      '<!-- never closed\n\nstill a comment',
      '```\nunclosed',
      '[a](' + 'x'.repeat(5000),
      '['.repeat(200_000),
      '<a x="'.repeat(50_000),
      '`'.repeat(1000) + ' text ' + '``'.repeat(1000),
      '<!--'.repeat(100_000),
      '- '.repeat(100_000),
      '#'.repeat(100_000),
      '|'.repeat(100_000) + '\n|---|\n',
      '\t\t\tx\r\r\n\n\r'.repeat(50_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      const parsed = parseMarkdown(input);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(parsed.text).toBe(input);
      for (const block of parsed.blocks) {
        expect(block.start).toBeGreaterThanOrEqual(0);
        expect(block.end).toBeLessThanOrEqual(input.length);
        expect(block.start).toBeLessThan(block.end);
      }
    }
  });
});
