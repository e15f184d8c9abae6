import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateTokens } from './token-estimate';
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
});
