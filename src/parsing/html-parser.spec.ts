import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHtml } from './html-parser';
import type { ParsedDocument } from './types';

const LICENSES_HTML = join(
  process.cwd(),
  'node_modules/@lancedb/lancedb/RUST_THIRD_PARTY_LICENSES.html',
);

const summary = (parsed: ParsedDocument): Array<[string, string, number?]> =>
  parsed.blocks.map((b) => (b.level === undefined ? [b.kind, b.text] : [b.kind, b.text, b.level]));

function expectOffsetsExact(parsed: ParsedDocument): void {
  for (const block of parsed.blocks)
    expect(parsed.text.slice(block.start, block.end)).toBe(block.text);
  expect(parsed.text).toBe(parsed.blocks.map((b) => b.text).join('\n\n'));
}

const PAGE = `<!doctype html>
<html>
<head>
  <title>Page title</title>
  <meta charset="utf-8"><link rel="stylesheet" href="x.css">
  <style>body { color: red } .secret-style {}</style>
  <script>var secretScript = "<h1>not a heading</h1>";</script>
</head>
<body>
  <nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
  <h1>Guide &amp; Reference</h1>
  <p>Caf&eacute; &lt;b&gt; isn&#x27;t   bold,
     it&#39;s&nbsp;escaped.</p>
  <noscript>secret noscript</noscript>
  <template><p>secret template</p></template>
  <svg><text>secret svg</text></svg>
  <iframe src="x">secret iframe</iframe>
  <h2>Install <small>(Linux)</small></h2>
  <p>Run<br>this: <code>npm i</code> then <em>start</em>.</p>
  <pre>
  indented  line
	tabbed &lt;tag&gt;

last</pre>
  <pre><code class="language-js">if (a &lt; b) {
  run();
}</code></pre>
  <ul>
    <li>first <b>item</b></li>
    <li>second
      <ol start="3"><li>three</li><li>four</li></ol>
    </li>
  </ul>
  <table>
    <caption>Versions</caption>
    <thead><tr><th>Version</th><th>Date</th></tr></thead>
    <tbody><tr><td>5.0.0</td><td>2024</td></tr><tr><td></td><td>TBD</td></tr></tbody>
  </table>
  <div>Loose <span>inline</span> text<div>nested block</div>tail</div>
  <!-- a comment -->
  <footer>Footer text</footer>
</body>
</html>`;

describe('parseHtml', () => {
  it('extracts headings, paragraphs, code, lists and tables, and drops non-content', () => {
    const parsed = parseHtml(PAGE);
    expect(summary(parsed)).toEqual([
      ['paragraph', 'Home | Docs'],
      ['heading', 'Guide & Reference', 1],
      ['paragraph', "Café <b> isn't bold, it's escaped."],
      ['heading', 'Install (Linux)', 2],
      ['paragraph', 'Run this: npm i then start.'],
      ['code', '  indented  line\n\ttabbed <tag>\n\nlast'],
      ['code', 'if (a < b) {\n  run();\n}'],
      ['list', '- first item\n- second\n  3. three\n  4. four'],
      ['table', 'Versions\nVersion | Date\n5.0.0 | 2024\nTBD'],
      ['paragraph', 'Loose inline text'],
      ['paragraph', 'nested block'],
      ['paragraph', 'tail'],
      ['paragraph', 'Footer text'],
    ]);
    expect(parsed.text).not.toMatch(/secret|Page title|color: red|a comment/);
    expectOffsetsExact(parsed);
  });

  it('never throws on malformed markup and keeps the text of unclosed elements', () => {
    const parsed = parseHtml(
      '<h2>Open heading<p>para <b>bold <i>both</b> after</i><div>x</span></p><li>stray item<td>cell',
    );
    expect(parsed.blocks.map((b) => b.text).join(' ')).toMatch(
      /Open heading.*para.*bold.*both.*after.*x.*stray item.*cell/,
    );
    expectOffsetsExact(parsed);
    expect(summary(parseHtml('text with < and > and & signs</p></div>'))).toEqual([
      ['paragraph', 'text with < and > and & signs'],
    ]);
    expect(parseHtml('<p>before</p><script>never closed <p>hidden')).toMatchObject({
      text: 'before',
    });
  });

  it('handles deep nesting of unclosed tags in linear time', () => {
    // Re-parenting unclosed tags (the parser's default) took 86 s for 100k nested divs here.
    for (const html of [
      '<div>'.repeat(50_000) + 'deep',
      '<b><i>'.repeat(30_000) + 'x',
      '<ul><li>a'.repeat(20_000),
    ]) {
      const started = performance.now();
      const parsed = parseHtml(html);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(parsed.text.length).toBeGreaterThan(0);
    }
  });

  it('gives empty documents no blocks', () => {
    for (const html of [
      '',
      '   ',
      '<html><head><title>x</title></head><body> \n </body></html>',
      '<p> </p>',
    ]) {
      expect(parseHtml(html)).toEqual({ text: '', blocks: [] });
    }
  });

  it('reads a real page: the LanceDB third-party licenses (836 KB)', () => {
    const html = readFileSync(LICENSES_HTML, 'utf8');
    const started = performance.now();
    const parsed = parseHtml(html);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(summary(parsed).slice(0, 8)).toEqual([
      ['heading', 'Third Party Licenses', 1],
      ['paragraph', 'This page lists the licenses of the projects used in cargo-about.'],
      ['heading', 'Overview of licenses:', 2],
      [
        'list',
        expect.stringMatching(
          /^- Apache License 2\.0 \(496\)\n- MIT License \(131\)\n[\s\S]*- BSD 3-Clause "New" or "Revised" License \(11\)/,
        ),
      ],
      ['heading', 'All license text:', 2],
      ['heading', 'BSD Zero Clause License', 3],
      ['heading', 'Used by:', 4],
      ['list', '- mock_instant 0.6.0'],
    ]);
    const code = parsed.blocks.filter((b) => b.kind === 'code');
    expect(code).toHaveLength(156);
    expect(
      code[0].text.startsWith('Copyright (C) 2020 by museun <museun@outlook.com>\n\nPermission'),
    ).toBe(true);
    // Whitespace inside pre is kept: the Apache license title is centred with spaces.
    expect(
      code.some((b) => b.text.startsWith('                                 Apache License\n')),
    ).toBe(true);
    expect(parsed.text).not.toMatch(/prefers-color-scheme|&quot;|&lt;|<a href/);
    expectOffsetsExact(parsed);
  });
});
