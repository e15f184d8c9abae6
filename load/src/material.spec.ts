import type { Corpus } from './corpus';
import {
  buildQueryPool,
  buildVocabulary,
  forArtillery,
  ingestDocuments,
  sentencesOf,
} from './material';
import { seededRandom } from './random';

const corpus: Corpus = {
  name: 'tiny',
  source: 'test',
  queries: ['What is information science?', 'How are titles chosen for articles?', 'short'],
  documents: [
    {
      id: '1',
      text: 'The present study is a history of the Dewey Decimal Classification. The first edition was published in 1876. Too short.',
    },
    {
      id: '2',
      markdown:
        '# Title\n\nLibraries classify books by subject using numbers.\n\n```js\nconst x = {{ y }};\n```\n',
    },
  ],
};

describe('buildQueryPool', () => {
  it('puts the real queries first, then sentences of the documents, without repeats', () => {
    const pool = buildQueryPool(corpus, 100, seededRandom(1));

    expect(pool.slice(0, 2).sort()).toEqual([
      'How are titles chosen for articles?',
      'What is information science?',
    ]);
    expect(pool.slice(2).sort()).toEqual([
      'Libraries classify books by subject using numbers.',
      'The first edition was published in 1876.',
      'The present study is a history of the Dewey Decimal Classification.',
    ]);
  });

  it('stops at the asked size and is the same for the same seed', () => {
    expect(buildQueryPool(corpus, 3, seededRandom(1))).toHaveLength(3);
    expect(buildQueryPool(corpus, 100, seededRandom(9))).toEqual(
      buildQueryPool(corpus, 100, seededRandom(9)),
    );
  });
});

describe('sentencesOf', () => {
  it('keeps sentences of 5 to 25 words', () => {
    expect(
      sentencesOf('Too short. This sentence has exactly six words. ' + 'word '.repeat(30) + '.'),
    ).toEqual(['This sentence has exactly six words.']);
  });
});

describe('buildVocabulary', () => {
  it('takes distinct lowercase words of 4-12 letters, most frequent first', () => {
    const words = buildVocabulary([
      { id: 'a', text: 'Library library LIBRARY books books the a extraordinarily-long-word' },
    ]);
    expect(words.slice(0, 2)).toEqual(['library', 'books']);
    expect(words).not.toContain('the');
    expect(new Set(words).size).toBe(words.length);
  });
});

describe('text sent through artillery', () => {
  it('never carries a {{ }} template artillery would expand', () => {
    expect(forArtillery('const x = {{ y }};')).toBe('const x = { { y } };');
    const docs = ingestDocuments(corpus.documents);
    expect(docs[1].markdown).not.toContain('{{');
    expect(docs[0]).toEqual({ id: '1', text: corpus.documents[0].text });
  });
});
