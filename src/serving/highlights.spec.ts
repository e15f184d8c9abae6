import { highlightRanges } from './highlights';
import { queryTerms } from './lexical-index';

describe('highlightRanges', () => {
  it('marks the words that match a query term after stemming, never stop words', () => {
    const text = 'Indexing documents: the indexer indexes every Document.';
    const ranges = highlightRanges(text, queryTerms('index the document'));
    expect(ranges.map(([s, e]) => text.slice(s, e))).toEqual([
      'Indexing',
      'documents',
      'indexer',
      'indexes',
      'Document',
    ]);
  });

  it('finds nothing for a query of stop words only', () => {
    expect(highlightRanges('the and of', queryTerms('the and'))).toEqual([]);
  });
});
