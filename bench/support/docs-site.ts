import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makePdf } from '../../src/sources/extract/testing/make-pdf';

/**
 * A small documentation site served on 127.0.0.1 for the sources tests and bench: pages with
 * navigation chrome (header, sidebar, footer, cookie banner, scripts), a sitemap index with
 * nested sitemaps, robots.txt disallowing /private/, a redirect, a 404, a noindex page, a PDF,
 * and ETag / Last-Modified with 304 answers. Pages can be changed and removed between syncs.
 */

/** Words that appear only in the site's chrome: no stored chunk may contain them. */
export const CHROME_WORDS = [
  'zebranav',
  'sidebarquokka',
  'footerwombat',
  'cookieplatypus',
  'scriptnarwhal',
];

export interface SitePage {
  title: string;
  sentences: string[];
  code?: string;
}

export interface DocsSite {
  url: string;
  /** Content pages by path (mutable: change or delete between syncs). */
  pages: Map<string, SitePage>;
  /** Paths listed in the sitemaps besides the content pages (redirect, 404, noindex, PDF). */
  extraListed: string[];
  /** Requests seen: path and the status answered. */
  log: Array<{ path: string; status: number }>;
  /** The paths that a sync should store, as absolute URLs (the document ids). */
  expectedDocumentIds(): string[];
  /** Extra delay before each answer (to make a sync slow enough to interrupt). */
  delayMs: number;
  /**
   * Paths that answer busy (429 or 503, with `Retry-After` if given) `times` times before the
   * page itself (Infinity: always busy); `hits` records when each request came (ms epoch).
   */
  busy: Map<string, BusyPath>;
  close(): Promise<void>;
}

export interface BusyPath {
  status: 429 | 503;
  retryAfter?: string;
  times: number;
  hits: number[];
}

const TOPICS = [
  'installation',
  'configuration',
  'authentication',
  'collections',
  'ingestion',
  'searching',
  'filters',
  'schedules',
  'backups',
  'monitoring',
  'scaling',
  'upgrades',
];

/** Content pages: `count` short pages, each with a unique keyword (`kw<n>`) to search for. */
export function defaultPages(count: number): Map<string, SitePage> {
  const pages = new Map<string, SitePage>();
  for (let i = 1; i <= count; i++) {
    const topic = TOPICS[i % TOPICS.length];
    const section = i % 2 ? 'guides' : 'reference';
    pages.set(`/docs/${section}/page-${i}.html`, {
      title: `Page ${i}: ${topic}`,
      sentences: [
        `This page explains ${topic} in step ${i}, keyword kw${i}.`,
        `Read it before you change the ${topic} settings.`,
      ],
      ...(i % 10 === 0 ? { code: `ragline ${topic} --step ${i}` } : {}),
    });
  }
  return pages;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pageHtml(page: SitePage, extraHead = ''): string {
  const [first, ...rest] = page.sentences;
  return `<!doctype html>
<html><head><title>${escape(page.title)}</title>${extraHead}
<script>window.tracker = "scriptnarwhal";</script><style>body{margin:0}</style></head>
<body>
<header class="site-header"><a href="/">Home</a> zebranav <a href="/docs/guides/page-1.html">Guides</a></header>
<div class="cookie-banner">We use cookies: cookieplatypus. <button>OK</button></div>
<div class="layout">
<aside class="sidebar"><ul><li><a href="/docs/reference/page-2.html">sidebarquokka reference</a></li></ul></aside>
<main>
<h1>${escape(page.title)}</h1>
<p>${escape(first)}</p>
<h2>Details</h2>
<p>${escape(rest.join(' '))}</p>
${page.code ? `<pre><code>${escape(page.code)}</code></pre>` : ''}
</main>
</div>
<footer class="site-footer">footerwombat, all rights reserved. <a href="/private/admin.html">Admin</a></footer>
</body></html>`;
}

const LAST_MODIFIED = 'Mon, 02 Nov 2026 10:00:00 GMT';
const PDF = makePdf(
  ['The operations manual covers keyword kwpdf one.', 'Page two of the manual covers restores.'],
  'Operations manual',
);

function send(
  req: IncomingMessage,
  res: ServerResponse,
  type: string,
  body: string | Buffer,
  validators = true,
): number {
  const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
  if (validators) {
    res.setHeader('etag', etag);
    res.setHeader('last-modified', LAST_MODIFIED);
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304).end();
      return 304;
    }
  }
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return 200;
}

export async function startDocsSite(pageCount = 60): Promise<DocsSite> {
  const pages = defaultPages(pageCount);
  const extraListed = [
    '/docs/old-location.html', // 301 to /docs/new-location.html
    '/docs/missing.html', // 404
    '/docs/draft.html', // noindex
    '/files/manual.pdf',
    '/private/secret.html', // robots.txt disallows it
  ];
  const log: DocsSite['log'] = [];
  let base = '';
  const site: DocsSite = {
    url: '',
    pages,
    extraListed,
    log,
    delayMs: 0,
    busy: new Map(),
    expectedDocumentIds: () =>
      [...pages.keys(), '/docs/new-location.html', '/files/manual.pdf']
        .map((p) => `${base}${p}`)
        .sort(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const sitemap = (paths: string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${paths
      .map((p) => `<url><loc>${base}${p}</loc><lastmod>2026-11-02</lastmod></url>`)
      .join('\n')}\n</urlset>\n`;

  function answer(req: IncomingMessage, res: ServerResponse): number {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const busy = site.busy.get(path);
    if (busy) {
      busy.hits.push(Date.now());
      if (busy.hits.length <= busy.times) {
        const headers = busy.retryAfter ? { 'retry-after': busy.retryAfter } : undefined;
        res.writeHead(busy.status, headers).end('busy');
        return busy.status;
      }
    }
    if (path === '/robots.txt') {
      return send(
        req,
        res,
        'text/plain',
        `User-agent: *\nDisallow: /private/\n\nSitemap: ${base}/sitemap.xml\n`,
        false,
      );
    }
    if (path === '/sitemap.xml') {
      return send(
        req,
        res,
        'application/xml',
        `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n<sitemap><loc>${base}/sitemaps/guides.xml</loc></sitemap>\n<sitemap><loc>${base}/sitemaps/other.xml</loc></sitemap>\n</sitemapindex>\n`,
        false,
      );
    }
    if (path === '/sitemaps/guides.xml') {
      return send(
        req,
        res,
        'application/xml',
        sitemap([...pages.keys()].filter((p) => p.includes('/guides/'))),
        false,
      );
    }
    if (path === '/sitemaps/other.xml') {
      return send(
        req,
        res,
        'application/xml',
        sitemap([...[...pages.keys()].filter((p) => !p.includes('/guides/')), ...extraListed]),
        false,
      );
    }
    if (path === '/go') {
      // An open redirect, as real sites have: sources must check where it leads.
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
      res.writeHead(302, { location: to }).end();
      return 302;
    }
    const page = pages.get(path);
    if (page) return send(req, res, 'text/html; charset=utf-8', pageHtml(page));
    if (path === '/' || path === '/docs/') {
      const links = [...pages.keys()].map((p) => `<li><a href="${p}">${p}</a></li>`).join('');
      return send(
        req,
        res,
        'text/html',
        `<html><head><title>Docs</title><meta name="robots" content="noindex"></head><body><main><ul>${links}<li><a href="/docs/old-location.html">old</a></li><li><a href="/files/manual.pdf">manual</a></li><li><a href="/docs/draft.html">draft</a></li></ul></main></body></html>`,
      );
    }
    if (path === '/docs/old-location.html') {
      res.writeHead(301, { location: '/docs/new-location.html' }).end();
      return 301;
    }
    if (path === '/docs/new-location.html') {
      return send(
        req,
        res,
        'text/html',
        pageHtml(
          {
            title: 'Moved page',
            sentences: [
              'This page moved here, keyword kwmoved.',
              'Links to the old place still work.',
            ],
          },
          `<link rel="canonical" href="${base}/docs/new-location.html">`,
        ),
      );
    }
    if (path === '/docs/draft.html') {
      return send(
        req,
        res,
        'text/html',
        pageHtml(
          {
            title: 'Draft',
            sentences: ['An unfinished draft, keyword kwdraft.', 'Not for search.'],
          },
          '<meta name="robots" content="noindex, follow">',
        ),
      );
    }
    if (path === '/files/manual.pdf') return send(req, res, 'application/pdf', PDF);
    if (path === '/private/secret.html') {
      return send(
        req,
        res,
        'text/html',
        pageHtml({ title: 'Secret', sentences: ['Internal only, keyword kwsecret.'] }),
      );
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return 404;
  }

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reply = () => log.push({ path, status: answer(req, res) });
    if (site.delayMs > 0) setTimeout(reply, site.delayMs);
    else reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.url = base;
  return site;
}
