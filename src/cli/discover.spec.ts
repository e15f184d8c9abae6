import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFiles, DiscoveryError, formatOf, globBase } from './discover';

let root: string;

function write(rel: string, content = `content of ${rel}`): void {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ragline-discover-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('discoverFiles', () => {
  it('finds every supported file under a directory, with posix ids relative to it, format and size', async () => {
    write('docs/a.md', '# A');
    write('docs/guide/b.markdown');
    write('docs/guide/c.mdx');
    write('docs/notes/d.txt');
    write('docs/notes/e.text');
    write('docs/site/f.html', '<p>f</p>');
    write('docs/site/g.HTM');
    write('docs/README.MD');
    write('docs/image.png');
    write('docs/report.pdf');
    write('docs/node_modules/pkg/readme.md');
    write('docs/.git/description.txt');
    write('docs/.hidden/secret.md');

    const files = await discoverFiles(['docs'], { cwd: root });

    expect(files.map((f) => [f.id, f.format])).toEqual([
      ['README.MD', 'markdown'],
      ['a.md', 'markdown'],
      ['guide/b.markdown', 'markdown'],
      ['guide/c.mdx', 'markdown'],
      ['notes/d.txt', 'text'],
      ['notes/e.text', 'text'],
      ['site/f.html', 'html'],
      ['site/g.HTM', 'html'],
    ]);
    const a = files.find((f) => f.id === 'a.md');
    expect(a).toMatchObject({ path: join(root, 'docs/a.md'), relativePath: 'a.md', bytes: 3 });
  });

  it('takes ids relative to the fixed part of a glob', async () => {
    write('docs/guide/a.md');
    write('docs/guide/deep/b.md');
    write('docs/guide/c.txt');
    write('docs/other.md');

    const files = await discoverFiles(['docs/guide/**/*.md'], { cwd: root });

    expect(files.map((f) => f.id)).toEqual(['a.md', 'deep/b.md']);
  });

  it('gives a file named directly its own name as id, as if its directory had been given', async () => {
    write('docs/sub/page.html');

    const [file] = await discoverFiles([join(root, 'docs/sub/page.html')], { cwd: '/' });

    expect(file).toMatchObject({ id: 'page.html', relativePath: 'page.html', format: 'html' });
  });

  it('uses file names as ids with --ids basename, and refuses two files that would share one', async () => {
    write('docs/a/intro.md');
    write('docs/b/intro.md');
    write('docs/b/other.md');

    await expect(discoverFiles(['docs'], { cwd: root })).resolves.toHaveLength(3);
    const err = await discoverFiles(['docs'], { cwd: root, ids: 'basename' }).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toContain('intro.md: docs/a/intro.md, docs/b/intro.md');
  });

  it('counts a file reached through two inputs once', async () => {
    write('docs/a.md');
    write('docs/b.md');

    const files = await discoverFiles(['docs', 'docs/*.md', 'docs/a.md'], { cwd: root });

    expect(files.map((f) => f.id)).toEqual(['a.md', 'b.md']);
  });

  it('explains what is wrong with an input', async () => {
    write('docs/report.pdf');
    write('empty/image.png');

    await expect(discoverFiles(['missing'], { cwd: root })).rejects.toThrow(
      'no such file or directory: missing',
    );
    await expect(discoverFiles(['docs/report.pdf'], { cwd: root })).rejects.toThrow(
      'unsupported file type',
    );
    await expect(discoverFiles(['empty'], { cwd: root })).rejects.toThrow(
      /no Markdown, text or HTML files/,
    );
    await expect(discoverFiles(['nowhere/**/*.md'], { cwd: root })).rejects.toThrow(/no Markdown/);
  });
});

describe('formatOf and globBase', () => {
  it('maps extensions case-insensitively and rejects the rest', () => {
    expect(formatOf('x/Guide.MDX')).toBe('markdown');
    expect(formatOf('a.htm')).toBe('html');
    expect(formatOf('notes.text')).toBe('text');
    expect(formatOf('archive.md.gz')).toBeUndefined();
    expect(formatOf('.md')).toBeUndefined();
  });

  it('keeps the directories before the first dynamic segment', () => {
    expect(globBase('docs/**/*.md')).toBe('docs');
    expect(globBase('docs/guide/*.md')).toBe('docs/guide');
    expect(globBase('**/*.md')).toBe('.');
    expect(globBase('/srv/site/**/*.html')).toBe('/srv/site');
    expect(globBase('{a,b}/*.md')).toBe('.');
  });
});
