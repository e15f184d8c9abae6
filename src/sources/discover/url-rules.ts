/**
 * The form of a URL used as a document id and for "seen" checks: lower-case scheme and host,
 * no default port, no fragment, `/` for an empty path.
 */
export function normaliseUrl(raw: string, base?: string): string | null {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw) : new URL(raw, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  if (
    (url.protocol === 'http:' && url.port === '80') ||
    (url.protocol === 'https:' && url.port === '443')
  )
    url.port = '';
  return url.href;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}`);
}

/**
 * Include and exclude rules on whole URLs: a pattern matches URLs that start with it, and `*`
 * stands for any run of characters. With no include rule, `defaultPrefix` (if given) is one.
 */
export class UrlRules {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(include: string[] = [], exclude: string[] = [], defaultPrefix?: string) {
    const inc = include.length ? include : defaultPrefix ? [defaultPrefix] : [];
    this.include = inc.map(globToRegExp);
    this.exclude = exclude.map(globToRegExp);
  }

  /** Why `url` is left out, or null when it is in. */
  excludedBecause(url: string): string | null {
    if (this.include.length && !this.include.some((r) => r.test(url)))
      return 'outside the include rules';
    if (this.exclude.some((r) => r.test(url))) return 'matches an exclude rule';
    return null;
  }
}

/** A crawl's default scope: the start URL's folder (`https://x/docs/` for `https://x/docs/intro`). */
export function folderOf(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  u.pathname = u.pathname.replace(/[^/]*$/, '');
  return u.href;
}
