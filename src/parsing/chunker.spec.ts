import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunkDocument } from './chunker';
import { parseDocument } from './parse-document';
import {
  bodyOf,
  contentBetween,
  expectBodyMatchesSource,
  isSubsequence,
  words,
} from './testing/chunk-invariants';
import { useLiteTokenCounter } from './testing/use-lite-token-counter';
import type { Chunk, ChunkerOptions, ParsedDocument } from './types';

const routesMd = readFileSync(
  join(process.cwd(), 'node_modules/fastify/docs/Reference/Routes.md'),
  'utf8',
);
const licensesHtml = readFileSync(
  join(process.cwd(), 'node_modules/@lancedb/lancedb/RUST_THIRD_PARTY_LICENSES.html'),
  'utf8',
);

/** A counter that records its calls. */
function recording(count: (text: string) => number): {
  count: (text: string) => number;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    count: (text) => {
      calls.push(text);
      return count(text);
    },
  };
}

/** Roughly like a BPE tokenizer, and cheap: one token per 4 characters of each word, at least one. */
const cheapCount = (text: string): number => {
  let tokens = 0;
  for (const word of text.split(/\s+/)) if (word) tokens += Math.ceil(word.length / 4);
  return tokens;
};

function expectValidChunks(parsed: ParsedDocument, chunks: Chunk[], options: ChunkerOptions): void {
  const headings = parsed.blocks.filter((b) => b.kind === 'heading');
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(options.countTokens(chunk.text)).toBeLessThanOrEqual(options.maxTokens);
    expect(chunk.text.trim().length).toBeGreaterThan(0);
    expectBodyMatchesSource(parsed, chunk);
    // One section per chunk: no heading inside its range.
    expect(headings.some((h) => h.start < chunk.end && h.end > chunk.start)).toBe(false);
    if (chunk.bodyOffset > 0) {
      const context = chunk.text.slice(0, chunk.bodyOffset);
      expect(context.endsWith('\n\n')).toBe(true);
      expect(chunk.headingPath.join(' > ').endsWith(context.slice(0, -2))).toBe(true);
    }
  });
}

/** Consecutive chunks of one section: [previous, next] pairs. */
function sameSectionPairs(chunks: Chunk[]): Array<[Chunk, Chunk]> {
  const pairs: Array<[Chunk, Chunk]> = [];
  for (let i = 1; i < chunks.length; i++) {
    if (chunks[i].headingPath.join('\u0000') === chunks[i - 1].headingPath.join('\u0000')) {
      pairs.push([chunks[i - 1], chunks[i]]);
    }
  }
  return pairs;
}

describe('chunkDocument', () => {
  let countUseLite: (text: string) => number;
  beforeAll(async () => {
    countUseLite = await useLiteTokenCounter();
  });

  describe('on the Fastify Routes reference with the USE lite tokenizer (128 tokens)', () => {
    let parsed: ParsedDocument;
    let chunks: Chunk[];
    let calls: string[];
    let options: ChunkerOptions;
    beforeAll(() => {
      parsed = parseDocument('markdown', routesMd);
      const counter = recording(countUseLite);
      options = { maxTokens: 128, overlapTokens: 16, countTokens: counter.count };
      chunks = chunkDocument(parsed, options);
      calls = counter.calls;
      options = { ...options, countTokens: countUseLite };
    });

    it('keeps every chunk within the limit, non-empty, in one section, with offsets that map back', () => {
      expect(chunks.length).toBeGreaterThan(50);
      expectValidChunks(parsed, chunks, options);
      // An independent check on the raw Markdown: the body's words appear in order in the source.
      for (const chunk of chunks) {
        const body = words(stripMarkup(bodyOf(chunk)));
        expect(
          isSubsequence(body, words(stripMarkup(routesMd.slice(chunk.start, chunk.end)))),
        ).toBe(true);
      }
    });

    it('gives each chunk its heading path and embeds that path as context', () => {
      const containing = (phrase: string): Chunk => {
        const chunk = chunks.find((c) => bodyOf(c).includes(phrase));
        if (!chunk) throw new Error(`no chunk contains ${phrase}`);
        return chunk;
      };
      expect(containing('fastify.route(options)').headingPath).toEqual([
        'Fastify',
        'Routes',
        'Full declaration',
      ]);
      expect(containing('fastify.route(options)').text).toMatch(
        /^Fastify > Routes > Full declaration\n\n```js\n/,
      );
      expect(containing('Fastify has two built-in constraints').headingPath).toEqual([
        'Fastify',
        'Routes',
        'Constraints',
      ]);
      expect(containing('`version` and `host`. Custom constraint').headingPath).toEqual([
        'Fastify',
        'Routes',
        'Constraints',
      ]);
      expect(
        chunks.some(
          (c) => c.headingPath.join('/') === 'Fastify/Routes/Constraints/Version Constraints',
        ),
      ).toBe(true);
      expect(chunks[0].headingPath).toEqual(['Fastify', 'Routes']);
    });

    it('keeps code blocks that fit whole, fences and info string included', () => {
      const codeBlocks = parsed.blocks.filter((b) => b.kind === 'code');
      const fitting = codeBlocks.filter((b) => countUseLite(b.text) <= 80);
      expect(fitting.length).toBeGreaterThan(5);
      for (const block of fitting)
        expect(chunks.some((c) => bodyOf(c).includes(block.text))).toBe(true);
    });

    it('splits oversized code blocks on line boundaries only', () => {
      const oversized = parsed.blocks.filter(
        (b) => b.kind === 'code' && countUseLite(b.text) > 128,
      );
      expect(oversized.length).toBeGreaterThan(3);
      for (const block of oversized) {
        const touching = chunks.filter((c) => c.start < block.end && c.end > block.start);
        expect(touching.length).toBeGreaterThan(1);
        for (const chunk of touching) {
          // A chunk starting inside the block starts at a line start, indentation included...
          if (chunk.start > block.start) expect(routesMd[chunk.start - 1]).toBe('\n');
          // ...and one ending inside it ends at a line end.
          if (chunk.end < block.end)
            expect(routesMd.slice(chunk.end, routesMd.indexOf('\n', chunk.end))).toMatch(/^\s*$/);
        }
      }
    });

    it('starts chunks after the first of a section with the end of the previous one', () => {
      const pairs = sameSectionPairs(chunks);
      const overlapping = pairs.filter(([previous, next]) => next.start < previous.end);
      expect(overlapping.length / pairs.length).toBeGreaterThan(0.7);
      for (const [previous, next] of overlapping) {
        const shared = words(contentBetween(parsed, next.start, previous.end));
        expect(words(bodyOf(previous)).slice(-shared.length)).toEqual(shared);
        expect(words(bodyOf(next)).slice(0, shared.length)).toEqual(shared);
        expect(countUseLite(shared.join(' '))).toBeLessThanOrEqual(40);
      }
      // Nothing is lost between chunks: each next chunk starts no later than the previous one ends.
      for (const [previous, next] of pairs) {
        expect(words(contentBetween(parsed, previous.end, next.start))).toEqual([]);
      }
    });

    it('calls the real tokenizer O(chunks) times, on chunk-sized texts', () => {
      const sections = new Set(chunks.map((c) => c.headingPath.join('/'))).size;
      expect(calls.length).toBeLessThanOrEqual(1.5 * chunks.length + 2 * sections);
      const longestChunk = Math.max(...chunks.map((c) => c.text.length));
      expect(Math.max(...calls.map((t) => t.length))).toBeLessThanOrEqual(2 * longestChunk);
    });

    it('is deterministic', () => {
      expect(chunkDocument(parseDocument('markdown', routesMd), options)).toEqual(chunks);
    });

    it('gives the same chunk texts for CRLF line endings, offsets into the CRLF text', () => {
      const crlf = routesMd.replace(/\n/g, '\r\n');
      const crlfParsed = parseDocument('markdown', crlf);
      const crlfChunks = chunkDocument(crlfParsed, options);
      expect(crlfChunks.map((c) => c.text)).toEqual(chunks.map((c) => c.text));
      expectValidChunks(crlfParsed, crlfChunks, options);
    });
  });

  describe('heading context', () => {
    it('is left out when disabled, and never takes more than a quarter of the budget', () => {
      const md = routesMd.slice(0, 4000);
      const parsed = parseDocument('markdown', md);
      const without = chunkDocument(parsed, {
        maxTokens: 128,
        overlapTokens: 16,
        countTokens: countUseLite,
        headingContext: false,
      });
      for (const chunk of without) {
        expect(chunk.bodyOffset).toBe(0);
        expect(chunk.headingPath.length).toBeGreaterThan(0);
      }
      const deep = [
        '# Administration and operations guide for distributed deployments',
        '## Configuring replication across geographically separated data centres',
        '### Troubleshooting synchronisation failures after network partitions',
        '#### Linux',
        '',
        'Restart the replication agent after the partition heals.',
      ].join('\n');
      const [chunk] = chunkDocument(parseDocument('markdown', deep), {
        maxTokens: 64,
        overlapTokens: 8,
        countTokens: countUseLite,
      });
      expect(chunk.headingPath).toHaveLength(4);
      const context = chunk.text.slice(0, chunk.bodyOffset);
      expect(countUseLite(context)).toBeLessThanOrEqual(16);
      expect(context).toMatch(/Linux\n\n$/);
      expect(bodyOf(chunk)).toBe('Restart the replication agent after the partition heals.');
    });
  });

  describe('on a real HTML page (LanceDB licenses, first 60 KB) with the USE lite tokenizer', () => {
    it('chunks within the limit under the right headings, whitespace of pre kept', () => {
      const cut = licensesHtml.indexOf('</li>', 60_000);
      const parsed = parseDocument('html', licensesHtml.slice(0, cut));
      const options = { maxTokens: 128, overlapTokens: 16, countTokens: countUseLite };
      const chunks = chunkDocument(parsed, options);
      expectValidChunks(parsed, chunks, options);
      expect(chunks[0]).toMatchObject({
        headingPath: ['Third Party Licenses'],
        text: 'Third Party Licenses\n\nThis page lists the licenses of the projects used in cargo-about.',
      });
      const apache = chunks.find((c) => bodyOf(c).includes('Apache License\n'));
      expect(apache?.headingPath).toEqual([
        'Third Party Licenses',
        'All license text:',
        'Apache License 2.0',
        'Used by:',
      ]);
      expect(bodyOf(apache as Chunk)).toMatch(
        /^ {20,}Apache License\n {20,}Version 2\.0, January 2004/m,
      );
      // The HTML text has no markup: the body is exactly the source range, words for words.
      for (const chunk of chunks)
        expect(words(bodyOf(chunk))).toEqual(words(parsed.text.slice(chunk.start, chunk.end)));
    });
  });

  describe('edge cases', () => {
    const options: ChunkerOptions = { maxTokens: 64, overlapTokens: 8, countTokens: cheapCount };

    it('gives no chunks for empty, whitespace-only or markup-only documents', () => {
      for (const format of ['text', 'markdown', 'html'] as const) {
        for (const content of ['', '  \n\t\r\n '])
          expect(chunkDocument(parseDocument(format, content), options)).toEqual([]);
      }
      const comment = '<!-- only a comment -->';
      expect(chunkDocument(parseDocument('markdown', comment), options)).toEqual([]);
      expect(chunkDocument(parseDocument('html', comment), options)).toEqual([]);
      expect(chunkDocument(parseDocument('text', comment), options).map((c) => c.text)).toEqual([
        comment,
      ]);
      expect(
        chunkDocument(parseDocument('markdown', '# Only a heading\n\n---\n'), options),
      ).toEqual([]);
    });

    it('rejects impossible options', () => {
      const parsed = parseDocument('text', 'some text');
      expect(() => chunkDocument(parsed, { ...options, maxTokens: 0 })).toThrow(RangeError);
      expect(() => chunkDocument(parsed, { ...options, overlapTokens: 64 })).toThrow(RangeError);
      expect(() => chunkDocument(parsed, { ...options, overlapTokens: -1 })).toThrow(RangeError);
      expect(() => chunkDocument(parsed, { ...options, countTokens: () => Number.NaN })).toThrow(
        TypeError,
      );
    });

    it('packs small blocks together and never splits a block that fits a chunk by itself', () => {
      const first = 'First paragraph sentence. '.repeat(5).trim(); // 40 tokens
      const second = 'Second paragraph words here. '.repeat(6).trim(); // 54 tokens
      const third = 'Third.';
      const parsed = parseDocument('text', `${first}\n\n${second}\n\n${third}`);
      const chunks = chunkDocument(parsed, options);
      expect(chunks).toHaveLength(2);
      expect(bodyOf(chunks[0])).toBe(first);
      // The second paragraph is whole; the overlap shrinks (or goes) to make room for it.
      expect(bodyOf(chunks[1]).endsWith(`${second}\n\n${third}`)).toBe(true);
      const packed = chunkDocument(
        parseDocument('text', `${third}\n\n${third}\n\n${first}`),
        options,
      );
      expect(packed.map(bodyOf)).toEqual([`${third}\n\n${third}\n\n${first}`]);
    });

    it('splits a 1 MB single paragraph fast, within the limit, losing nothing', () => {
      const sentence = (i: number): string =>
        `Sentence number ${i} talks about configuration of the server and its handlers.`;
      const text = Array.from({ length: 13_000 }, (_, i) => sentence(i)).join(' ');
      expect(text.length).toBeGreaterThan(1_000_000);
      const run = (): {
        parsed: ParsedDocument;
        chunks: Chunk[];
        calls: string[];
        elapsed: number;
      } => {
        const counter = recording(cheapCount);
        const started = performance.now();
        const parsed = parseDocument('text', text);
        const chunks = chunkDocument(parsed, {
          maxTokens: 128,
          overlapTokens: 32,
          countTokens: counter.count,
        });
        return { parsed, chunks, calls: counter.calls, elapsed: performance.now() - started };
      };
      // Best of two runs: the machine is shared, and a noisy neighbour is not a regression.
      const first = run();
      const { chunks, calls, elapsed } = run();
      // A loose bound (about 1 s when quiet): quadratic work on 1 MB would take minutes.
      expect(Math.min(first.elapsed, elapsed)).toBeLessThan(5000);
      expect(first.chunks).toEqual(chunks);
      expect(chunks.length).toBeGreaterThan(1000);
      expect(calls.length).toBeLessThanOrEqual(1.5 * chunks.length);
      expect(chunks[0].start).toBe(0);
      expect(chunks[chunks.length - 1].end).toBe(text.length);
      for (let i = 0; i < chunks.length; i++) {
        expect(cheapCount(chunks[i].text)).toBeLessThanOrEqual(128);
        if (i > 0) {
          // Overlap of whole sentences (one fits in 32 tokens): each chunk starts at a sentence.
          expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
          expect(chunks[i].text).toMatch(/^Sentence number \d+ /);
        }
      }
    });

    it('splits a paragraph without punctuation at words, and a word longer than a chunk into pieces', () => {
      const word = 'x'.repeat(3000);
      const text = `${'plain words without any stop '.repeat(200)}${word} tail`;
      const parsed = parseDocument('text', text);
      const chunks = chunkDocument(parsed, options);
      for (const chunk of chunks) {
        expect(cheapCount(chunk.text)).toBeLessThanOrEqual(64);
        expectBodyMatchesSource(parsed, chunk);
      }
      const fragments = chunks.filter((c) => /^x+$/.test(bodyOf(c)));
      expect(fragments.length).toBeGreaterThan(10);
      // Word boundaries are respected everywhere outside the long word.
      for (const chunk of chunks)
        expect(bodyOf(chunk)).toMatch(
          /^(?:x+|(?:plain|words|without|any|stop|x+|tail)(?: (?:plain|words|without|any|stop|x+|tail))*)$/,
        );
    });

    it('splits with the real tokenizer at O(chunks) calls on 100 KB of prose', () => {
      const text = routesMd
        .replace(/```[\s\S]*?```/g, '')
        .replace(/\s+/g, ' ')
        .repeat(3)
        .slice(0, 100_000);
      const counter = recording(countUseLite);
      const started = performance.now();
      const parsed = parseDocument('text', text);
      const chunks = chunkDocument(parsed, {
        maxTokens: 128,
        overlapTokens: 16,
        countTokens: counter.count,
      });
      const elapsed = performance.now() - started;
      expect(counter.calls.length).toBeLessThanOrEqual(1.5 * chunks.length);
      expect(elapsed).toBeLessThan(5000);
      for (const chunk of chunks) expect(countUseLite(chunk.text)).toBeLessThanOrEqual(128);
    });
  });
});

describe('chunkDocument on text without spaces (issue 14)', () => {
  let countUseLite: (text: string) => number;
  beforeAll(async () => {
    countUseLite = await useLiteTokenCounter();
  });

  const ideographs = Array.from({ length: 30_000 }, (_, i) =>
    String.fromCodePoint(0x4e00 + ((i * 7919) % 20_000)),
  ).join('');
  const scripts: Array<[string, string]> = [
    ['Chinese', ideographs],
    ['Chinese with full stops', ideographs.replace(/(.{40})/gu, '$1。')],
    ['hangul', '한국어텍스트입니다'.repeat(2000)],
    ['kana', 'ひらがなとカタカナ'.repeat(2000)],
    ['emoji', '😀🎉🚀👍🏽'.repeat(2000)],
  ];

  it.each(scripts)(
    'sizes %s at about one token per character, as the model reads it',
    (_, text) => {
      // The USE lite tokenizer reads a whole unspaced run of these as one unknown token.
      expect(countUseLite(text.slice(0, 2000))).toBeLessThan(10);
      const chunks = chunkDocument(parseDocument('text', text), {
        maxTokens: 128,
        overlapTokens: 16,
        countTokens: countUseLite,
      });
      const characters = [...text].length;
      expect(chunks.length).toBeGreaterThan(characters / 128);
      for (const chunk of chunks) expect([...chunk.text].length).toBeLessThanOrEqual(128);
    },
  );

  it('caps every chunk at 8 characters per token of budget, whatever the counter says', () => {
    const text = 'x'.repeat(20_000) + ' ' + 'word '.repeat(2000);
    const chunks = chunkDocument(parseDocument('text', text), {
      maxTokens: 64,
      overlapTokens: 8,
      countTokens: () => 1,
    });
    expect(chunks.length).toBeGreaterThan(30_000 / 512);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(64 * 8);
    expect(
      chunks
        .map((c) => bodyOf(c))
        .join('')
        .replace(/\s/g, ''),
    ).toContain('x'.repeat(1000));
  });
});

/** Removes what Markdown renders invisibly (comments, tags, link targets, brackets), by regex. */
function stripMarkup(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?[A-Za-z][^<>]*>/g, '')
    .replace(/\]\([^()\s]*(?:\s+"[^"]*")?\)/g, '')
    .replace(/\]\[[^\]]*\]/g, '')
    .replace(/[[\]!]/g, '');
}
