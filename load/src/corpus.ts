import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  documentText,
  hasBeirDataset,
  loadBeirDataset,
  sharedDatasetsDir,
} from '../../bench/support/beir';

/** A document as the ingest API takes it (exactly one of text and markdown). */
export interface LoadDocument {
  id: string;
  text?: string;
  markdown?: string;
}

export interface Corpus {
  name: string;
  /** Where it came from, for the report. */
  source: string;
  documents: LoadDocument[];
  /** Real queries written for this corpus (empty when it has none). */
  queries: string[];
}

/** The name of the fallback corpus: the Markdown documentation shipped in node_modules. */
export const NODE_DOCS = 'node-docs';

/** The BEIR collections in ../shared/datasets, by name (empty on a fresh checkout). */
export function availableDatasets(): string[] {
  const root = sharedDatasetsDir();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => hasBeirDataset(join(root, name)))
    .sort();
}

export function loadCorpus(name: string): Corpus {
  if (name === NODE_DOCS) return nodeModulesDocs();
  const dir = join(sharedDatasetsDir(), name);
  if (!hasBeirDataset(dir)) {
    const known = [...availableDatasets(), NODE_DOCS].join(', ');
    throw new Error(`no dataset '${name}' in ${sharedDatasetsDir()} (available: ${known})`);
  }
  const data = loadBeirDataset(dir);
  return {
    name,
    source: dir,
    documents: data.corpus.map((d) => ({ id: d.id, text: documentText(d) })),
    queries: readQueries(join(dir, 'queries.jsonl')),
  };
}

/** Every query of a BEIR queries.jsonl, judged or not. */
function readQueries(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => String((JSON.parse(line) as { text?: unknown }).text ?? '').trim())
    .filter(Boolean);
}

export interface CorpusChoice {
  search: Corpus;
  /** Documents for ingest under load: never the ones seeded, so they cost real model work. */
  ingest: Corpus;
}

/**
 * The corpus to seed and the one to ingest under load. Defaults: CISI (or the first dataset)
 * and another dataset; with one corpus only, its even documents are seeded and its odd ones
 * ingested, so re-ingest shortcuts (unchanged content, cached embeddings) never apply.
 */
export function chooseCorpora(dataset?: string, ingestDataset?: string): CorpusChoice {
  const datasets = availableDatasets();
  const searchName = dataset ?? (datasets.includes('cisi') ? 'cisi' : (datasets[0] ?? NODE_DOCS));
  const search = loadCorpus(searchName);
  const ingestName = ingestDataset ?? datasets.find((d) => d !== searchName);
  if (ingestName && ingestName !== searchName) return { search, ingest: loadCorpus(ingestName) };
  const half = (parity: number) => search.documents.filter((_, i) => i % 2 === parity);
  return {
    search: { ...search, documents: half(0) },
    ingest: { ...search, name: `${search.name} (odd documents)`, documents: half(1), queries: [] },
  };
}

/** The README of every installed package and Fastify's guides: real prose, always present. */
function nodeModulesDocs(): Corpus {
  const modules = dirname(dirname(require.resolve('fastify/package.json')));
  const files = [
    ...packageReadmes(modules),
    ...markdownFiles(join(modules, 'fastify', 'docs')),
  ].filter((file) => {
    const size = statSync(file).size;
    return size >= 500 && size <= 512 * 1024;
  });
  return {
    name: NODE_DOCS,
    source: `Markdown files in ${modules}`,
    documents: files.sort().map((file) => ({
      id: relative(modules, file),
      markdown: readFileSync(file, 'utf8'),
    })),
    queries: [],
  };
}

function packageReadmes(modules: string): string[] {
  const packages = readdirSync(modules).flatMap((name) =>
    name.startsWith('@')
      ? readdirSync(join(modules, name)).map((scoped) => join(modules, name, scoped))
      : name.startsWith('.')
        ? []
        : [join(modules, name)],
  );
  return packages.map((dir) => join(dir, 'README.md')).filter((file) => existsSync(file));
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}
