import { type HTMLElement, parse } from 'node-html-parser';

export interface ExtractedHtml {
  title: string;
  /** The main content as HTML: headings, paragraphs, lists, tables and code blocks. */
  html: string;
  canonical?: string;
  noindex: boolean;
  nofollow: boolean;
  /** Absolute link targets, for crawling. */
  links: string[];
}

/** Never content: page chrome, scripts and embedded objects. */
const CHROME_TAGS = [
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'svg',
  'canvas',
  'object',
  'embed',
  'form',
  'button',
  'dialog',
  'nav',
  'aside',
  'footer',
  'menu',
];

const CHROME_ROLES = ['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'dialog'];

/** Class or id words of navigation, banners and sidebars in common documentation themes. */
const CHROME_NAMES =
  /(^|[\s_-])(nav|navbar|navigation|menu|sidebar|breadcrumbs?|toc|table-of-contents|cookie|cookies|consent|gdpr|banner|skip-link|skip-to-content|site-header|site-footer|footer|header|edit-this-page|pagination|prev-next|social|share)($|[\s_-])/i;

const HEADING = /^h[1-6]$/i;

function text(el: HTMLElement | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function absolute(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}

function robotsDirectives(root: HTMLElement, userAgent: string): Set<string> {
  const token = userAgent.split('/')[0].trim().toLowerCase();
  const out = new Set<string>();
  for (const meta of root.querySelectorAll('meta[name]')) {
    const name = (meta.getAttribute('name') ?? '').toLowerCase();
    if (name !== 'robots' && name !== token) continue;
    for (const d of (meta.getAttribute('content') ?? '').toLowerCase().split(',')) {
      out.add(d.trim());
    }
  }
  return out;
}

/** The element holding the page's own content: `main`, `article`, `[role=main]`, else `body`. */
function contentRoot(root: HTMLElement): HTMLElement {
  return (
    root.querySelector('main') ??
    root.querySelector('[role=main]') ??
    root.querySelector('article') ??
    root.querySelector('#content, .content, .markdown-body, .theme-doc-markdown') ??
    root.querySelector('body') ??
    root
  );
}

function removeChrome(content: HTMLElement, isBody: boolean): void {
  const selectors = [...CHROME_TAGS, ...CHROME_ROLES.map((r) => `[role=${r}]`)];
  // A header inside main/article usually holds the page's h1; outside, it is the site's.
  if (isBody) selectors.push('header');
  for (const el of content.querySelectorAll(selectors.join(','))) el.remove();
  for (const el of content.querySelectorAll('[class], [id], [aria-hidden=true], [hidden]')) {
    if (HEADING.test(el.tagName) || el.tagName === 'PRE' || el.tagName === 'CODE') continue;
    const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
    if (
      el.getAttribute('aria-hidden') === 'true' ||
      el.hasAttribute('hidden') ||
      CHROME_NAMES.test(names)
    ) {
      el.remove();
    }
  }
  // Heading permalinks ("#", "¶") are chrome inside the heading text.
  for (const a of content.querySelectorAll('h1 a, h2 a, h3 a, h4 a, h5 a, h6 a')) {
    if (/^[#¶§🔗\s]*$/u.test(text(a))) a.remove();
  }
}

/**
 * The main content of a documentation page, with what a crawler needs to know about it:
 * title (`<title>`, else the first `h1`), canonical URL, robots directives and links.
 */
export function extractHtml(html: string, pageUrl: string, userAgent: string): ExtractedHtml {
  const root = parse(html, {
    comment: false,
    blockTextElements: { script: false, style: false, noscript: false, pre: true, textarea: true },
  });
  const base = absolute(root.querySelector('base[href]')?.getAttribute('href'), pageUrl) ?? pageUrl;
  const robots = robotsDirectives(root, userAgent);
  const canonical = absolute(root.querySelector('link[rel=canonical]')?.getAttribute('href'), base);
  const nofollow = robots.has('nofollow') || robots.has('none');
  const links = nofollow
    ? []
    : root
        .querySelectorAll('a[href]')
        .filter((a) => !/\bnofollow\b/i.test(a.getAttribute('rel') ?? ''))
        .map((a) => absolute(a.getAttribute('href'), base))
        .filter((u): u is string => u !== undefined);
  const content = contentRoot(root);
  const isBody = content.tagName === 'BODY' || content === root;
  removeChrome(content, isBody);
  const title = text(root.querySelector('title')) || text(content.querySelector('h1'));
  let body = content.innerHTML.trim();
  // The chunker's heading paths start at the page's title when the content has no h1.
  if (title && !content.querySelector('h1')) body = `<h1>${escapeHtml(title)}</h1>\n${body}`;
  return {
    title,
    html: body,
    ...(canonical ? { canonical } : {}),
    noindex: robots.has('noindex') || robots.has('none'),
    nofollow,
    links,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
