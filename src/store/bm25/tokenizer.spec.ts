import { tokenize } from './tokenizer';

describe('tokenize', () => {
  it('lowercases, splits on punctuation, drops stop words and stems', () => {
    expect(tokenize('The QUICK brown foxes are jumping over the lazy dogs!')).toEqual([
      'quick',
      'brown',
      'fox',
      'jump',
      'lazi',
      'dog',
    ]);
  });

  it('treats apostrophes (straight and curly) as part of a word, so contractions are stop words', () => {
    expect(tokenize("don't won’t it's Smith's")).toEqual(['smith']);
  });

  it('keeps digits and non-ASCII letters as terms', () => {
    expect(tokenize('Ünïcödé 3 x2 e-mail 2024')).toEqual([
      'ünïcödé',
      '3',
      'x2',
      'e',
      'mail',
      '2024',
    ]);
  });

  it('normalises compatibility characters, so ligatures and full-width letters match plain ones', () => {
    expect(tokenize('ﬁle ＡＢＣ')).toEqual(tokenize('file abc'));
  });

  it('drops over-long tokens (hashes, base64) and returns nothing for stop words only', () => {
    expect(tokenize('a'.repeat(65) + ' word')).toEqual(['word']);
    expect(tokenize('the of and to')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });
});
