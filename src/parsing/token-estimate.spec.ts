import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateTokens, tokenFloor } from './token-estimate';
import { useLiteTokenCounter } from './testing/use-lite-token-counter';

describe('estimateTokens', () => {
  it('counts word pieces, symbols, newlines and extra spaces', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world')).toBe(2);
    expect(estimateTokens('configuration')).toBe(3);
    expect(estimateTokens('camelCaseName')).toBe(3);
    expect(estimateTokens('HTTP')).toBe(4);
    expect(estimateTokens('2024-09-17')).toBe(6);
    expect(estimateTokens('a\n\nb')).toBe(3);
    expect(estimateTokens('    indented')).toBe(5);
    expect(estimateTokens('日本語')).toBe(3);
    expect(estimateTokens('xx hello yy', 3, 8)).toBe(1);
  });

  it('tracks the USE lite tokenizer on the Fastify docs within a stable ratio', async () => {
    const count = await useLiteTokenCounter();
    const dir = join(process.cwd(), 'node_modules/fastify/docs/Reference');
    const text = readdirSync(dir)
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    const words = text.split(/\s+/).filter((w) => w.length > 0);
    const ratios: number[] = [];
    for (let i = 0; i + 50 <= words.length && ratios.length < 300; i += 50) {
      const window = words.slice(i, i + 50).join(' ');
      ratios.push(count(window) / estimateTokens(window));
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const deviation = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / ratios.length);
    expect(mean).toBeGreaterThan(0.95);
    expect(mean).toBeLessThan(1.2);
    expect(deviation / mean).toBeLessThan(0.12);
  });

  it('charges a character by what NFKC makes of it (U+FDFA is 18 characters)', async () => {
    const count = await useLiteTokenCounter();
    const text = '\ufdfa'.repeat(100);
    expect(estimateTokens(text)).toBeGreaterThan(count(text) / 2);
    expect(estimateTokens('\u3316')).toBeGreaterThan(1);
    expect(estimateTokens('é')).toBe(1);
  });
});

describe('tokenFloor', () => {
  it('charges ideographs, kana, hangul and emoji one token each, long unspaced runs by length', () => {
    expect(tokenFloor('日本語のテキスト')).toBe(8);
    expect(tokenFloor('한국어')).toBe(3);
    expect(tokenFloor('😀🎉')).toBe(2);
    expect(tokenFloor('plain words in English cost nothing extra')).toBe(0);
    expect(tokenFloor('a'.repeat(400))).toBe(100);
    expect(tokenFloor(`${'b'.repeat(40)} ${'c'.repeat(40)}`)).toBe(20);
  });
});
