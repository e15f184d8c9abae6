import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestDocument } from '../client/types';
import { batchDocuments, bodyBytes, jsonBytes } from './batching';
import { discoverFiles } from './discover';
import { readDocuments } from './documents';

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

const doc = (id: string, size: number): IngestDocument => ({ id, text: 'x'.repeat(size) });

describe('batchDocuments', () => {
  it('cuts batches at the document count', async () => {
    const docs = Array.from({ length: 7 }, (_, i) => doc(`d${i}`, 10));

    const batches = await collect(batchDocuments(docs, { maxDocuments: 3, maxBytes: 1e9 }));

    expect(batches.map((b) => b.map((d) => d.id))).toEqual([
      ['d0', 'd1', 'd2'],
      ['d3', 'd4', 'd5'],
      ['d6'],
    ]);
  });

  it('keeps every request body, as serialized, within maxBytes', async () => {
    const sizes = [500, 1200, 30, 800, 800, 799, 2000, 5, 5, 5, 1500, 60];
    const docs = sizes.map((s, i) => doc(`doc-${i}`, s));
    const maxBytes = 2100;

    const batches = await collect(batchDocuments(docs, { maxDocuments: 100, maxBytes }));

    for (const batch of batches) {
      const actual = Buffer.byteLength(JSON.stringify({ documents: batch }));
      expect(actual).toBe(bodyBytes(batch.map(jsonBytes)));
      expect(actual).toBeLessThanOrEqual(maxBytes);
    }
    expect(batches.flat().map((d) => d.id)).toEqual(docs.map((d) => d.id));
    // Greedy filling: no two neighbouring batches could have been one.
    for (let i = 1; i < batches.length; i++) {
      const merged = bodyBytes([...batches[i - 1], batches[i][0]].map(jsonBytes));
      expect(merged).toBeGreaterThan(maxBytes);
    }
  });

  it('counts multi-byte characters as the bytes they are sent as', async () => {
    const docs = [
      { id: 'a', text: 'é'.repeat(300) },
      { id: 'b', text: 'é'.repeat(300) },
    ];
    const oneBody = bodyBytes([jsonBytes(docs[0])]);

    const batches = await collect(
      batchDocuments(docs, { maxDocuments: 10, maxBytes: oneBody + 400 }),
    );

    expect(batches).toHaveLength(2);
  });

  it('sends a document larger than the limit alone rather than dropping it', async () => {
    const docs = [doc('small', 10), doc('huge', 5000), doc('small2', 10)];

    const batches = await collect(batchDocuments(docs, { maxDocuments: 10, maxBytes: 1000 }));

    expect(batches.map((b) => b.map((d) => d.id))).toEqual([['small'], ['huge'], ['small2']]);
  });

  it('batches documents read from real files, with their format field and metadata', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ragline-batch-'));
    try {
      mkdirSync(join(root, 'site'));
      writeFileSync(join(root, 'a.md'), '# Title\n\nBody');
      writeFileSync(join(root, 'b.txt'), 'plain');
      writeFileSync(join(root, 'site', 'c.html'), '<h1>Hi</h1>');
      const files = await discoverFiles([root]);

      const batches = await collect(
        batchDocuments(readDocuments(files), { maxDocuments: 2, maxBytes: 1e6 }),
      );

      expect(batches).toEqual([
        [
          { id: 'a.md', markdown: '# Title\n\nBody', metadata: { path: 'a.md', bytes: 13 } },
          { id: 'b.txt', text: 'plain', metadata: { path: 'b.txt', bytes: 5 } },
        ],
        [{ id: 'site/c.html', html: '<h1>Hi</h1>', metadata: { path: 'site/c.html', bytes: 11 } }],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
