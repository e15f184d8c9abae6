import { gunzipSync } from 'node:zlib';

export interface SitemapEntry {
  url: string;
  lastmod?: string;
}

export interface ParsedSitemap {
  /** Nested sitemaps of a sitemap index. */
  sitemaps: SitemapEntry[];
  /** Pages of a urlset. */
  pages: SitemapEntry[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .trim();
}

function entries(xml: string, element: string): SitemapEntry[] {
  const out: SitemapEntry[] = [];
  const block = new RegExp(
    `<(?:\\w+:)?${element}\\b[^>]*>([\\s\\S]*?)</(?:\\w+:)?${element}>`,
    'gi',
  );
  for (const match of xml.matchAll(block)) {
    const loc = /<(?:\w+:)?loc\b[^>]*>([\s\S]*?)<\/(?:\w+:)?loc>/i.exec(match[1]);
    if (!loc) continue;
    const lastmod = /<(?:\w+:)?lastmod\b[^>]*>([\s\S]*?)<\/(?:\w+:)?lastmod>/i.exec(match[1]);
    out.push({
      url: unescapeXml(loc[1]),
      ...(lastmod ? { lastmod: unescapeXml(lastmod[1]) } : {}),
    });
  }
  return out;
}

/**
 * Reads a sitemap (sitemaps.org): a `sitemapindex` of nested sitemaps or a `urlset` of pages,
 * gzip-compressed or not. Only `loc` and `lastmod` are used; no DTDs or entities are expanded.
 */
export function parseSitemap(body: Buffer, maxBytes: number): ParsedSitemap {
  let data = body;
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data, { maxOutputLength: maxBytes });
  const xml = data.toString('utf8');
  if (!/<(?:\w+:)?(urlset|sitemapindex)\b/i.test(xml)) {
    throw new Error('not a sitemap (no urlset or sitemapindex element)');
  }
  return { sitemaps: entries(xml, 'sitemap'), pages: entries(xml, 'url') };
}
