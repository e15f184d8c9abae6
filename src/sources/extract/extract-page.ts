import type { DocumentFormat } from '../../catalog/catalog.types';
import { extractHtml } from './html-extract';
import { pdfText } from './pdf-text';

/** A fetched page ready for the ingest pipeline, or the reason it is left out. */
export type ExtractedPage =
  | {
      kind: 'document';
      format: DocumentFormat;
      content: string;
      title: string;
      canonical?: string;
      links: string[];
    }
  | { kind: 'skipped'; reason: string; links: string[] };

export interface ExtractOptions {
  userAgent: string;
  pdfTimeoutMs: number;
}

function mediaType(contentType: string | undefined, url: string): string {
  const declared = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream') return declared;
  const path = new URL(url).pathname.toLowerCase();
  if (path.endsWith('.md') || path.endsWith('.markdown')) return 'text/markdown';
  if (path.endsWith('.pdf')) return 'application/pdf';
  if (path.endsWith('.txt')) return 'text/plain';
  return declared || 'application/octet-stream';
}

function charsetText(body: Buffer, contentType: string | undefined): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

function firstMarkdownHeading(markdown: string): string {
  return /^#\s+(.+?)\s*#*\s*$/m.exec(markdown)?.[1] ?? '';
}

function robotsHeader(headers: Record<string, string>): Set<string> {
  return new Set(
    (headers['x-robots-tag'] ?? '')
      .toLowerCase()
      .split(',')
      .map((d) => d.trim()),
  );
}

/**
 * Turns a fetched body into what the ingest pipeline takes: HTML pages reduced to their main
 * content (headings and code kept), Markdown and plain text as they are, PDFs as Markdown
 * with one section per page. Other types, and pages marked noindex, are skipped with a reason.
 */
export async function extractPage(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  options: ExtractOptions,
): Promise<ExtractedPage> {
  const type = mediaType(headers['content-type'], url);
  const headerRobots = robotsHeader(headers);
  if (headerRobots.has('noindex') || headerRobots.has('none')) {
    return { kind: 'skipped', reason: 'noindex (X-Robots-Tag)', links: [] };
  }
  if (type === 'text/html' || type === 'application/xhtml+xml') {
    const page = extractHtml(charsetText(body, headers['content-type']), url, options.userAgent);
    if (page.noindex)
      return { kind: 'skipped', reason: 'noindex (meta robots)', links: page.links };
    return {
      kind: 'document',
      format: 'html',
      content: page.html,
      title: page.title,
      ...(page.canonical ? { canonical: page.canonical } : {}),
      links: page.links,
    };
  }
  if (type === 'text/markdown' || type === 'text/x-markdown') {
    const content = charsetText(body, headers['content-type']);
    return {
      kind: 'document',
      format: 'markdown',
      content,
      title: firstMarkdownHeading(content),
      links: [],
    };
  }
  if (type === 'text/plain') {
    const content = charsetText(body, headers['content-type']);
    return { kind: 'document', format: 'text', content, title: '', links: [] };
  }
  if (type === 'application/pdf') {
    const pdf = await pdfText(body, options.pdfTimeoutMs);
    const title =
      pdf.title.trim() || decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    const sections = pdf.pages
      .map((text, i) => (text ? `## Page ${i + 1}\n\n${text}` : ''))
      .filter(Boolean);
    if (!sections.length)
      return { kind: 'skipped', reason: 'PDF without text (scanned?)', links: [] };
    return {
      kind: 'document',
      format: 'markdown',
      content: `# ${title}\n\n${sections.join('\n\n')}\n`,
      title,
      links: [],
    };
  }
  return { kind: 'skipped', reason: `unsupported content type ${type}`, links: [] };
}
