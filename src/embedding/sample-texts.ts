import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Real text for tests and benchmarks of the embedders: the BEIR datasets in ../shared/datasets
 * (resolved from the working directory) when present, else the Markdown docs shipped inside
 * the fastify package.
 */
export interface SampleTexts {
  source: string;
  /** Short search queries. */
  queries: string[];
  /** Whole documents (titles and bodies) as found. */
  documents: string[];
}

const DATASETS = ['cisi', 'cranfield'];

export function datasetsDir(): string | null {
  const dir = resolve(process.cwd(), '../shared/datasets');
  return existsSync(dir) ? dir : null;
}

export function loadSampleTexts(): SampleTexts {
  const dir = datasetsDir();
  if (dir !== null) {
    const queries: string[] = [];
    const documents: string[] = [];
    for (const name of DATASETS) {
      const base = join(dir, name);
      if (!existsSync(join(base, 'corpus.jsonl'))) continue;
      for (const record of readJsonl(join(base, 'queries.jsonl'))) queries.push(record.text);
      for (const record of readJsonl(join(base, 'corpus.jsonl'))) {
        if (record.title) documents.push(record.title);
        documents.push(record.text);
      }
    }
    if (queries.length > 0 && documents.length > 0) {
      return { source: `datasets (${DATASETS.join(', ')}) in ${dir}`, queries, documents };
    }
  }
  return loadFastifyDocs();
}

/** Consecutive windows of `words` words over the documents, in order. */
export function wordChunks(documents: readonly string[], words: number, count: number): string[] {
  const all = documents.join(' ').split(/\s+/).filter(Boolean);
  const chunks: string[] = [];
  for (let i = 0; i + words <= all.length && chunks.length < count; i += words) {
    chunks.push(all.slice(i, i + words).join(' '));
  }
  return chunks;
}

interface DatasetRecord {
  text: string;
  title?: string;
}

function readJsonl(file: string): DatasetRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line): DatasetRecord => {
      const parsed: unknown = JSON.parse(line);
      const value = typeof parsed === 'object' && parsed !== null ? parsed : {};
      const text = 'text' in value && typeof value.text === 'string' ? value.text : '';
      const title = 'title' in value && typeof value.title === 'string' ? value.title : undefined;
      return { text, title };
    })
    .filter((record) => record.text.trim().length > 0);
}

function loadFastifyDocs(): SampleTexts {
  const docsDir = join(dirname(require.resolve('fastify/package.json')), 'docs');
  const documents: string[] = [];
  for (const file of markdownFiles(docsDir)) {
    const prose = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, ' ');
    for (const paragraph of prose.split(/\n\s*\n/)) {
      const text = paragraph
        .replace(/[#>*_`|[\]()-]+/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      if (text.split(' ').length >= 8) documents.push(text);
    }
  }
  const queries = documents
    .flatMap((paragraph) => paragraph.split(/(?<=[.?!])\s+/))
    .filter((sentence) => {
      const n = sentence.split(' ').length;
      return n >= 5 && n <= 25;
    });
  return { source: `fastify docs in ${docsDir}`, queries, documents };
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}
