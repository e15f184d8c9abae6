import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nfkcExpansionProblem, nfkcLength } from './nfkc-expansion';

function fastifyDocs(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.md')) texts.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(__dirname, '../../node_modules/fastify/docs'));
  return texts.join('\n\n');
}

describe('NFKC expansion of a document', () => {
  it('measures the length after NFKC exactly for BMP text', () => {
    for (const text of [
      'plain ascii',
      'ﬁne ﬂow',
      '\uFDFA\uFDFB',
      '㌖ and ｆｕｌｌ',
      'é'.normalize('NFD'),
    ]) {
      expect(nfkcLength(text)).toBe(
        [...text].reduce((n, ch) => n + ch.normalize('NFKC').length, 0),
      );
    }
  });

  it('refuses text made of characters that expand many-fold (11 KB of U+FDFA)', () => {
    const problem = nfkcExpansionProblem('\uFDFA'.repeat(3700));
    expect(problem).toMatch(
      /grows 18\.0-fold under Unicode NFKC normalisation \(3700 characters become 66600/,
    );
    // Half ligatures, half text: still far over.
    expect(nfkcExpansionProblem('\uFDFA a '.repeat(2000))).toMatch(/grows 5\.3-fold/);
  });

  it('accepts real text, and a few expanding characters inside it', () => {
    expect(nfkcExpansionProblem(fastifyDocs())).toBeUndefined();
    expect(
      nfkcExpansionProblem(`Muhammad \uFDFA was born in Mecca. ${'\uFDFA'.repeat(100)}`),
    ).toBeUndefined();
    expect(
      nfkcExpansionProblem('全角の文字ｆｕｌｌ　ｗｉｄｔｈ、カタカナ㌖'.repeat(500)),
    ).toBeUndefined();
  });

  it('costs a few milliseconds for 2 MiB', () => {
    const text = fastifyDocs()
      .repeat(3)
      .slice(0, 2 * 1024 * 1024);
    nfkcLength(text);
    const t0 = performance.now();
    nfkcLength(text);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
