import { gzipSync } from 'node:zlib';
import { parseSitemap } from './sitemap';
import { folderOf, normaliseUrl, UrlRules } from './url-rules';

describe('parseSitemap', () => {
  it('reads a urlset with lastmod and escaped URLs', () => {
    const xml = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc> https://x.test/a?b=1&amp;c=2 </loc><lastmod>2026-11-02</lastmod></url>
      <url><loc><![CDATA[https://x.test/b]]></loc></url></urlset>`;
    expect(parseSitemap(Buffer.from(xml), 1e6)).toEqual({
      sitemaps: [],
      pages: [
        { url: 'https://x.test/a?b=1&c=2', lastmod: '2026-11-02' },
        { url: 'https://x.test/b' },
      ],
    });
  });

  it('reads a gzipped sitemap index', () => {
    const xml = `<sitemapindex><sitemap><loc>https://x.test/s1.xml</loc></sitemap></sitemapindex>`;
    expect(parseSitemap(gzipSync(xml), 1e6).sitemaps).toEqual([{ url: 'https://x.test/s1.xml' }]);
  });

  it('refuses what is not a sitemap', () => {
    expect(() => parseSitemap(Buffer.from('<html></html>'), 1e6)).toThrow(/not a sitemap/);
  });
});

describe('URL rules', () => {
  it('normalises: no fragment, no default port, lower-case host', () => {
    expect(normaliseUrl('HTTPS://Docs.Test:443/a#x')).toBe('https://docs.test/a');
    expect(normaliseUrl('../b', 'http://docs.test/a/c')).toBe('http://docs.test/b');
    expect(normaliseUrl('mailto:a@b')).toBeNull();
  });

  it('includes by prefix or glob, and excludes', () => {
    const rules = new UrlRules(['https://d.test/docs/'], ['*/old/*', '*.zip']);
    expect(rules.excludedBecause('https://d.test/docs/a')).toBeNull();
    expect(rules.excludedBecause('https://d.test/blog/a')).toMatch(/include/);
    expect(rules.excludedBecause('https://d.test/docs/old/a')).toMatch(/exclude/);
    expect(rules.excludedBecause('https://d.test/docs/x.zip')).toMatch(/exclude/);
    expect(
      new UrlRules([], [], folderOf('https://d.test/docs/intro')).excludedBecause(
        'https://d.test/x',
      ),
    ).toMatch(/include/);
  });
});
