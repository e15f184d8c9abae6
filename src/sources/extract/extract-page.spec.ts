import { makePdf } from './testing/make-pdf';
import { extractPage } from './extract-page';

const options = { userAgent: 'ragline/0.1', pdfTimeoutMs: 20_000 };
const body = (s: string) => Buffer.from(s, 'utf8');

describe('extractPage', () => {
  it('takes Markdown and plain text as they are', async () => {
    expect(
      await extractPage(
        'https://d.test/a.md',
        { 'content-type': 'text/markdown' },
        body('# Setup\n\nRun it.'),
        options,
      ),
    ).toMatchObject({
      kind: 'document',
      format: 'markdown',
      title: 'Setup',
      content: '# Setup\n\nRun it.',
    });
    expect(
      await extractPage(
        'https://d.test/a',
        { 'content-type': 'text/plain; charset=utf-8' },
        body('Plain.'),
        options,
      ),
    ).toMatchObject({ kind: 'document', format: 'text', content: 'Plain.' });
  });

  it('reads a PDF as one section per page', async () => {
    const pdf = makePdf(['First page words.', 'Second page words.'], 'Manual');
    const page = await extractPage(
      'https://d.test/m.pdf',
      { 'content-type': 'application/pdf' },
      pdf,
      options,
    );
    expect(page).toMatchObject({ kind: 'document', format: 'markdown', title: 'Manual' });
    expect(page.kind === 'document' && page.content).toBe(
      '# Manual\n\n## Page 1\n\nFirst page words.\n\n## Page 2\n\nSecond page words.\n',
    );
  });

  it('skips other types, X-Robots-Tag noindex and broken PDFs with a reason', async () => {
    expect(
      await extractPage(
        'https://d.test/x.zip',
        { 'content-type': 'application/zip' },
        body('PK'),
        options,
      ),
    ).toEqual({
      kind: 'skipped',
      reason: 'unsupported content type application/zip',
      links: [],
    });
    expect(
      await extractPage(
        'https://d.test/a',
        { 'content-type': 'text/html', 'x-robots-tag': 'noindex' },
        body('<p>x</p>'),
        options,
      ),
    ).toMatchObject({ kind: 'skipped', reason: 'noindex (X-Robots-Tag)' });
    await expect(
      extractPage(
        'https://d.test/b.pdf',
        { 'content-type': 'application/pdf' },
        body('%PDF-1.4 junk'),
        options,
      ),
    ).rejects.toThrow(/not a readable PDF/);
  });
});
