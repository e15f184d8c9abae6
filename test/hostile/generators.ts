import fc from 'fast-check';

/** Every key the API's bodies know, and the two a parser must never honour. */
export const API_VOCABULARY = [
  'documents',
  'id',
  'text',
  'markdown',
  'html',
  'url',
  'metadata',
  'query',
  'limit',
  'filter',
  'must',
  'should',
  'mustNot',
  'key',
  'match',
  'range',
  'any',
  'gt',
  'lte',
  'mode',
  'params',
  'ef',
  'exact',
  'weights',
  'scoreThreshold',
  'groupBy',
  'offset',
  'searches',
  'embedder',
  'hnsw',
  'm',
  'efConstruct',
  'quantization',
  'hybrid',
  'defaultMode',
  'hybridWeights',
  '__proto__',
  'constructor',
];

/** Strings the probe of issue 14 and earlier fuzzing found worth sending on every field. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../../etc/passwd',
  '%2e%2e%2f',
  "x' OR 1=1 --",
  '"; DROP TABLE chunks; --',
  '__proto__',
  'constructor',
  'prototype',
  '\u0000\u0001\u001f\u007f',
  '\ud800',
  '\udfff\ud800',
  'a\ud83d',
  '😀'.repeat(50),
  '日本語のテキスト'.repeat(40),
  '\ufdfa'.repeat(64),
  '<!--'.repeat(64),
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'meta',
  'events',
  'stalled-check',
  'a'.repeat(100),
  'a'.repeat(101),
  'b'.repeat(512),
  'c'.repeat(513),
  'NaN',
  '-0',
  '1e309',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u));

/** Any text: generated code points and graphemes, lone surrogates mixed in, and the classics. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.oneof(
        { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: loneSurrogate },
      ),
      maxLength: 30,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }) },
);

const WORDS = ['river', 'fox', 'known', 'document', 'rejected', 'input', 'Redis', '語', 'é', '😀'];

/** Text a user might send: mostly words, sometimes a hostile string in the middle. */
export const plausibleText: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...WORDS) }, hostileString), {
    minLength: 1,
    maxLength: 30,
  })
  .map((words) => words.join(' '));

/** Numbers at and past every limit a body has. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1, 1.5, 100, 101, 4096, 4097, 1e308, -1e308, 2 ** 53 + 2, -0),
  fc.integer({ min: -1000, max: 5000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const scalar = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));

/** Any JSON of bounded depth, keys drawn from the API's own vocabulary half of the time. */
export function hostileJson(vocabulary: readonly string[], maxDepth = 4): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...vocabulary), hostileString);
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    ),
  }));
  return value;
}

const metadataKey = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'metadata.lang',
      'metadata.year',
      'metadata.tags',
      'metadata.a.b',
      'documentId',
    ),
  },
  hostileString.map((s) => `metadata.${s}`),
  hostileString,
);

/**
 * Filters of the documented language over the given keys and values, kept small for now: `any`
 * lists of at most 50 values, nesting at most 4 (the filter cost model lands separately).
 */
function filterOf(
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<unknown>,
  bound: fc.Arbitrary<unknown>,
) {
  return fc.letrec<{ filter: unknown; condition: unknown }>((tie) => ({
    filter: fc.record(
      {
        must: fc.array(tie('condition'), { maxLength: 4 }),
        should: fc.array(tie('condition'), { maxLength: 4 }),
        mustNot: fc.array(tie('condition'), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
    condition: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.record({ key, match: value }),
      fc.record({ key, match: fc.record({ any: fc.array(value, { maxLength: 50 }) }) }),
      fc.record({
        key,
        range: fc.record({ gt: bound, gte: bound, lt: bound, lte: bound }, { requiredKeys: [] }),
      }),
      tie('filter'),
    ),
  })).filter;
}

/** Filters with hostile keys and values anywhere. */
export const hostileFilter = filterOf(metadataKey, scalar, fc.oneof(hostileNumber, scalar));

/** Filters a client might send: known keys, values of the right kinds. */
export const plausibleFilter = filterOf(
  fc.constantFrom('metadata.lang', 'metadata.year', 'metadata.tags', 'metadata.a.b'),
  fc.oneof(fc.constantFrom('en', 'de', 'a', 2024, true), hostileString),
  fc.integer({ min: 1900, max: 2100 }),
);

/** The path form of any string: percent-encoded UTF-8, lone surrogates as their raw bytes. */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(text[i]);
  }
  return out;
}
