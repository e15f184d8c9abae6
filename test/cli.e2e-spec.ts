import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import { RunningApp, startApp } from './support/app-harness';

const run = promisify(execFile);
const BIN = join(__dirname, '..', 'bin', 'ragline.js');
const DOCS = join(__dirname, '..', 'node_modules', 'fastify', 'docs', 'Reference');

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, CI: 'true' },
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('the producer CLI against the real service', () => {
  let running: RunningApp;
  let dir: string;

  beforeAll(async () => {
    running = await startApp();
    dir = mkdtempSync(join(tmpdir(), 'ragline-cli-'));
    cpSync(join(DOCS, 'HTTP2.md'), join(dir, 'guide', 'http2.md'), { recursive: true });
    cpSync(join(DOCS, 'Principles.md'), join(dir, 'principles.md'));
    writeFileSync(
      join(dir, 'notes.txt'),
      'Plain text notes about queues and workers.\n\nA second paragraph.',
    );
    writeFileSync(
      join(dir, 'page.html'),
      '<html><head><script>x()</script></head><body><h1>Title</h1><p>HTML body text.</p></body></html>',
    );
    writeFileSync(join(dir, 'ignored.json'), '{}');
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await running?.close();
  });

  it('ingests a folder of Markdown, text and HTML, waits, and sums up', async () => {
    const { code, out } = await cli([
      'ingest',
      dir,
      '--collection',
      'cli-docs',
      '--create',
      '--url',
      running.url,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/4 of 4 documents sent/);
    expect(out).toMatch(/jobs: 4 completed, 0 failed/);
    expect(out).toMatch(/chunks: [1-9]\d* added/);
    const store = running.app.get<VectorStore>(VECTOR_STORE);
    for (const id of ['guide/http2.md', 'principles.md', 'notes.txt', 'page.html']) {
      expect((await store.listDocumentChunks('cli-docs', id)).length).toBeGreaterThan(0);
    }
    expect(await store.listDocumentChunks('cli-docs', 'ignored.json')).toHaveLength(0);
  });

  it('reports everything skipped when nothing changed', async () => {
    const { code, out } = await cli([
      'ingest',
      dir,
      '--collection',
      'cli-docs',
      '--url',
      running.url,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/chunks: 0 added, 0 updated, [1-9]\d* skipped, 0 deleted/);
  });

  it('lists the collections, and the documents of one in id order', async () => {
    const collections = await cli(['collections', '--url', running.url]);
    expect(collections.code).toBe(0);
    const lines = collections.out.trim().split('\n');
    expect(lines[0]).toMatch(/^collection\s+documents\s+chunks\s+embedder\s+store\s+version$/);
    expect(lines[2]).toMatch(/^cli-docs\s+4\s+[1-9]\d*\s+use-lite\s+lancedb\s+\d+$/);

    const documents = await cli(['documents', 'cli-docs', '--url', running.url]);
    expect(documents.code).toBe(0);
    const ids = documents.out
      .trim()
      .split('\n')
      .slice(2, -1)
      .map((l) => l.split(/\s+/)[0]);
    expect(ids).toEqual(['guide/http2.md', 'notes.txt', 'page.html', 'principles.md']);
    expect(documents.out).toMatch(
      /notes\.txt\s+1\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+\{"path":"notes\.txt"/,
    );
    expect(documents.out.trim().split('\n').pop()).toBe('4 documents');

    const limited = await cli([
      'documents',
      'cli-docs',
      '--limit',
      '2',
      '--json',
      '--url',
      running.url,
    ]);
    expect((JSON.parse(limited.out) as { id: string }[]).map((d) => d.id)).toEqual([
      'guide/http2.md',
      'notes.txt',
    ]);
    const missing = await cli(['documents', 'nope', '--url', running.url]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/404 not_found: collection 'nope' not found/);
  });

  it('searches from the command line', async () => {
    const { code, out } = await cli([
      'search',
      'cli-docs',
      'queues and workers',
      '--url',
      running.url,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+ hits? \(cache (miss|l1|l2)/);
    expect(out).toMatch(/notes\.txt #0/);
  });

  it('sends the other files of a folder with an empty one, and names the empty one', async () => {
    const mixed = mkdtempSync(join(tmpdir(), 'ragline-cli-blank-'));
    try {
      writeFileSync(join(mixed, 'full.md'), '# Full\n\nA document with text.');
      writeFileSync(join(mixed, 'blank.md'), '  \n\n ');
      const { code, out } = await cli([
        'ingest',
        mixed,
        '--collection',
        'cli-blank',
        '--create',
        '--url',
        running.url,
      ]);
      expect(code).toBe(1);
      expect(out).toMatch(/1 of 2 documents sent/);
      expect(out).toMatch(/blank\.md: empty or only whitespace/);
      expect(out).toMatch(/jobs: 1 completed, 0 failed/);
    } finally {
      rmSync(mixed, { recursive: true, force: true });
    }
  });

  it('fails with a clear message when the service is not running', async () => {
    const { code, out } = await cli([
      'ingest',
      dir,
      '--collection',
      'cli-docs',
      '--url',
      'http://127.0.0.1:1',
    ]);
    expect(code).toBe(1);
    expect(out).toMatch(/cannot reach ragline at http:\/\/127\.0\.0\.1:1/);
  });
});
