import { type HTMLElement, type Node, NodeType, parse } from 'node-html-parser';
import type { Block, BlockKind, ParsedDocument } from './types';

/** Elements whose content is never document text. */
const DROPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'svg',
  'head',
  'title',
  'meta',
  'link',
  'object',
  'embed',
  'canvas',
]);

/** Elements that start and end a paragraph; everything not listed here is inline. */
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'menu',
  'nav',
  'p',
  'section',
  'summary',
  'td',
  'th',
  'tr',
]);

const HEADING = /^h([1-6])$/;

interface ExtractedBlock {
  kind: BlockKind;
  text: string;
  level?: number;
}

type Enter = (node: Node, depth: number) => boolean;
type Exit = (element: HTMLElement) => void;

/**
 * Depth-first walk without recursion (malformed HTML nests unclosed tags arbitrarily deep).
 * `enter` returns whether to visit the node's children; `exit` runs after them.
 */
function walk(root: Node, enter: Enter, exit?: Exit): void {
  const stack: Array<{ node: Node; depth: number; exiting: boolean }> = [
    { node: root, depth: 0, exiting: false },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.exiting) {
      exit?.(item.node as HTMLElement);
      continue;
    }
    if (!enter(item.node, item.depth) || item.node.nodeType !== NodeType.ELEMENT_NODE) continue;
    if (exit) stack.push({ node: item.node, depth: item.depth, exiting: true });
    const children = item.node.childNodes;
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ node: children[i], depth: item.depth + 1, exiting: false });
    }
  }
}

function tagOf(node: Node): string {
  if (node.nodeType !== NodeType.ELEMENT_NODE) return '';
  // The root element has no tag name.
  const name: string | null = (node as HTMLElement).rawTagName;
  return name ? name.toLowerCase() : '';
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Text of an element with whitespace collapsed: what a heading, a cell or an item reads. */
function inlineText(root: Node): string {
  const parts: string[] = [];
  walk(root, (node) => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      parts.push(node.text);
      return false;
    }
    const tag = tagOf(node);
    if (DROPPED.has(tag)) return false;
    if (tag === 'br' || BLOCK_ELEMENTS.has(tag) || HEADING.test(tag)) parts.push(' ');
    return true;
  });
  return collapse(parts.join(''));
}

/** Text of a `pre` with its whitespace kept; `br` is a line break. */
function preformattedText(root: Node): string {
  const parts: string[] = [];
  walk(root, (node) => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      parts.push(node.text);
      return false;
    }
    const tag = tagOf(node);
    if (tag === 'br') parts.push('\n');
    return !DROPPED.has(tag);
  });
  return parts
    .join('')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/^\n/, '')
    .replace(/\s+$/, '');
}

/** One line per item (`- a`, `1. b`), nested lists indented by two spaces per level. */
function listText(root: HTMLElement): string {
  const lines: string[] = [];
  const lists: Array<{ ordered: boolean; next: number }> = [];
  let parts: string[] = [];
  let marker = '';
  const flushLine = (): void => {
    const text = collapse(parts.join(''));
    if (text.length > 0) {
      const indent = '  '.repeat(Math.max(0, lists.length - 1));
      lines.push(indent + marker + text);
    }
    parts = [];
    marker = '';
  };
  walk(
    root,
    (node) => {
      if (node.nodeType === NodeType.TEXT_NODE) {
        parts.push(node.text);
        return false;
      }
      const tag = tagOf(node);
      if (DROPPED.has(tag)) return false;
      if (tag === 'ul' || tag === 'ol' || tag === 'menu') {
        flushLine();
        const start = Number((node as HTMLElement).getAttribute('start'));
        lists.push({ ordered: tag === 'ol', next: Number.isInteger(start) ? start : 1 });
      } else if (tag === 'li') {
        flushLine();
        const list = lists[lists.length - 1];
        marker = list?.ordered ? `${list.next++}. ` : '- ';
      } else if (tag === 'br' || BLOCK_ELEMENTS.has(tag) || HEADING.test(tag) || tag === 'pre') {
        parts.push(' ');
      }
      return true;
    },
    (element) => {
      const tag = tagOf(element);
      if (tag === 'ul' || tag === 'ol' || tag === 'menu') {
        flushLine();
        lists.pop();
      } else if (tag === 'li') flushLine();
    },
  );
  flushLine();
  return lines.join('\n');
}

/** One line per row, cells joined by ` | `; the caption, if any, first. */
function tableText(root: HTMLElement): string {
  const rows: string[] = [];
  let cells: string[] = [];
  let cell: string[] | undefined;
  const flushCell = (): void => {
    if (cell) {
      const text = collapse(cell.join(''));
      if (text.length > 0) cells.push(text);
    }
    cell = undefined;
  };
  const flushRow = (): void => {
    flushCell();
    if (cells.length > 0) rows.push(cells.join(' | '));
    cells = [];
  };
  walk(
    root,
    (node) => {
      if (node.nodeType === NodeType.TEXT_NODE) {
        cell?.push(node.text);
        return false;
      }
      const tag = tagOf(node);
      if (DROPPED.has(tag)) return false;
      if (tag === 'tr' || tag === 'caption') flushRow();
      if (tag === 'td' || tag === 'th' || tag === 'caption') {
        flushCell();
        cell = [];
      } else if (cell && (tag === 'br' || BLOCK_ELEMENTS.has(tag))) cell.push(' ');
      return true;
    },
    (element) => {
      const tag = tagOf(element);
      if (tag === 'td' || tag === 'th') flushCell();
      else if (tag === 'tr' || tag === 'caption') flushRow();
    },
  );
  flushRow();
  return rows.join('\n');
}

/** Elements that hold a heading, a `pre` or a table somewhere inside (one post-order pass). */
function elementsWithStructure(root: HTMLElement): Set<Node> {
  const found = new Set<Node>();
  walk(
    root,
    (node) => node.nodeType === NodeType.ELEMENT_NODE && !DROPPED.has(tagOf(node)),
    (element) => {
      const tag = tagOf(element);
      const parent = element.parentNode;
      if (parent && (found.has(element) || tag === 'pre' || tag === 'table' || HEADING.test(tag)))
        found.add(parent);
    },
  );
  return found;
}

function extractBlocks(root: HTMLElement): ExtractedBlock[] {
  const blocks: ExtractedBlock[] = [];
  // A list whose items hold headings, code or tables is a layout container, not a list of lines.
  const structured = elementsWithStructure(root);
  let inline: string[] = [];
  const flushParagraph = (): void => {
    const text = collapse(inline.join(''));
    if (text.length > 0) blocks.push({ kind: 'paragraph', text });
    inline = [];
  };
  const add = (kind: BlockKind, text: string, level?: number): void => {
    flushParagraph();
    if (text.trim().length === 0) return;
    blocks.push(level === undefined ? { kind, text } : { kind, text, level });
  };
  walk(
    root,
    (node) => {
      if (node.nodeType === NodeType.TEXT_NODE) {
        inline.push(node.text);
        return false;
      }
      if (node.nodeType !== NodeType.ELEMENT_NODE) return false;
      const element = node as HTMLElement;
      const tag = tagOf(element);
      const heading = HEADING.exec(tag);
      if (DROPPED.has(tag)) return false;
      if (heading) add('heading', inlineText(element), Number(heading[1]));
      else if (tag === 'pre') add('code', preformattedText(element));
      else if ((tag === 'ul' || tag === 'ol' || tag === 'menu') && !structured.has(element)) {
        add('list', listText(element));
      } else if (tag === 'table') add('table', tableText(element));
      else if (tag === 'br') inline.push(' ');
      else {
        if (BLOCK_ELEMENTS.has(tag)) flushParagraph();
        return true;
      }
      return false;
    },
    (element) => {
      if (BLOCK_ELEMENTS.has(tagOf(element))) flushParagraph();
    },
  );
  flushParagraph();
  return blocks;
}

/**
 * Removes comments and bogus comments (`<!...>`, `<?...>`, CDATA outside foreign content) in
 * one pass. node-html-parser matches them with regular expressions that are quadratic on
 * repeated unclosed openers (256 KB of `<!--` took 6.3 s, 450 KB of `<![CDATA[` 7.4 s). As in
 * the HTML spec, a comment left open runs to the end of the input, `<!-->` and `<!--->` are
 * empty comments, and a bogus comment ends at the next `>`.
 */
export function withoutComments(markup: string): string {
  const opener = /<[!?]/g;
  let match = opener.exec(markup);
  if (!match) return markup;
  const kept: string[] = [];
  let from = 0;
  while (match) {
    const open = match.index;
    kept.push(markup.slice(from, open));
    let close: number;
    if (markup.startsWith('<!--', open)) {
      const body = open + 4;
      if (markup.startsWith('>', body)) close = body + 1;
      else if (markup.startsWith('->', body)) close = body + 2;
      else {
        const end = markup.indexOf('-->', body);
        close = end < 0 ? -1 : end + 3;
      }
    } else {
      const end = markup.indexOf('>', open + 2);
      close = end < 0 ? -1 : end + 1;
    }
    if (close < 0) return kept.join('');
    from = close;
    opener.lastIndex = close;
    match = opener.exec(markup);
  }
  kept.push(markup.slice(from));
  return kept.join('');
}

/**
 * HTML to text: headings, paragraphs, lists, tables (`a | b` rows) and `pre` blocks (whitespace
 * kept); script, style, head and other non-content elements dropped; entities decoded. The
 * document's text is the blocks joined by blank lines, and block offsets point into it.
 */
export function parseHtml(content: string): ParsedDocument {
  // node-html-parser keeps a doctype or XML declaration as text.
  const markup = withoutComments(
    content.replace(/^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype[^>]*>)?/i, ''),
  );
  const root = parse(markup, {
    // Raw-text elements: their content is not parsed as markup, and `false` drops it.
    blockTextElements: { script: false, style: false, noscript: false, textarea: true },
    // Leaves unclosed elements where they are; re-parenting them is quadratic in nesting depth.
    parseNoneClosedTags: true,
    comment: false,
  });
  const blocks: Block[] = [];
  const parts: string[] = [];
  let offset = 0;
  for (const extracted of extractBlocks(root)) {
    if (parts.length > 0) {
      parts.push('\n\n');
      offset += 2;
    }
    const block: Block = {
      kind: extracted.kind,
      text: extracted.text,
      start: offset,
      end: offset + extracted.text.length,
    };
    if (extracted.level !== undefined) block.level = extracted.level;
    blocks.push(block);
    parts.push(extracted.text);
    offset += extracted.text.length;
  }
  return { text: parts.join(''), blocks };
}
