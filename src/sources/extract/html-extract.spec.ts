import { extractHtml } from './html-extract';

const page = (body: string, head = '') =>
  `<html><head><title>Install | Docs</title>${head}</head><body>${body}</body></html>`;

describe('extractHtml', () => {
  it('keeps the main content with headings and code, and drops the chrome', () => {
    const out = extractHtml(
      page(`<header><nav>Home Guides</nav></header>
        <div id="cookie-consent">We use cookies</div>
        <div class="layout"><aside class="sidebar">Side links</aside>
        <main><h1>Install <a class="anchor" href="#install">#</a></h1><p>Run it.</p>
        <div class="toc">On this page</div>
        <h2>Code</h2><pre><code>npm ci</code></pre></main></div>
        <footer>Copyright</footer><script>track()</script>`),
      'https://d.test/docs/install',
      'ragline/0.1',
    );
    expect(out.title).toBe('Install | Docs');
    expect(out.html).toContain('<h1>Install </h1>');
    expect(out.html).toContain('<h2>Code</h2>');
    expect(out.html).toContain('<pre><code>npm ci</code></pre>');
    for (const chrome of [
      'Home Guides',
      'cookies',
      'Side links',
      'On this page',
      'Copyright',
      'track()',
    ]) {
      expect(out.html).not.toContain(chrome);
    }
  });

  it('without main, uses body and drops the site header; adds the title as h1 when there is none', () => {
    const out = extractHtml(
      page('<header>Site name</header><div><p>Only text.</p></div>'),
      'https://d.test/a',
      'ragline/0.1',
    );
    expect(out.html).not.toContain('Site name');
    expect(out.html).toMatch(/^<h1>Install \| Docs<\/h1>/);
  });

  it('reads canonical, noindex (robots or our agent) and links (none when nofollow)', () => {
    const head = '<link rel="canonical" href="/docs/a"><meta name="ragline" content="noindex">';
    const out = extractHtml(
      page('<main><a href="b">b</a><a rel="nofollow" href="c">c</a></main>', head),
      'https://d.test/docs/x',
      'ragline/0.1',
    );
    expect(out.canonical).toBe('https://d.test/docs/a');
    expect(out.noindex).toBe(true);
    expect(out.links).toEqual(['https://d.test/docs/b']);
    const none = extractHtml(
      page('<main><a href="b">b</a></main>', '<meta name="robots" content="none">'),
      'https://d.test/',
      'x',
    );
    expect(none).toMatchObject({ noindex: true, nofollow: true, links: [] });
  });
});
