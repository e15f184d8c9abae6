import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseCorpora, CorpusChoice } from './corpus';
import { buildQueryPool, buildVocabulary, ingestDocuments, LoadMaterial } from './material';
import { seededRandom } from './random';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
}

export function machine(): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** A run's own folder: load/out/<scenario>-<timestamp>/. */
export function runDirectory(outRoot: string, label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const dir = resolve(outRoot, `${label}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface MaterialOptions {
  dataset?: string;
  ingestDataset?: string;
  docs?: number;
  ingestDocs?: number;
  pool?: number;
  seed: number;
}

export interface PreparedMaterial {
  corpora: CorpusChoice;
  material: LoadMaterial;
  path: string;
}

/** Picks the corpora, builds the query pool and vocabulary, and writes material.json. */
export function prepareMaterial(dir: string, options: MaterialOptions): PreparedMaterial {
  const chosen = chooseCorpora(options.dataset, options.ingestDataset);
  const corpora: CorpusChoice = {
    search: { ...chosen.search, documents: chosen.search.documents.slice(0, options.docs) },
    ingest: { ...chosen.ingest, documents: chosen.ingest.documents.slice(0, options.ingestDocs) },
  };
  const random = seededRandom(options.seed);
  const material: LoadMaterial = {
    queries: buildQueryPool(corpora.search, options.pool, random),
    vocabulary: buildVocabulary(corpora.search.documents),
    ingestDocuments: ingestDocuments(corpora.ingest.documents),
  };
  const path = join(dir, 'material.json');
  writeFileSync(path, JSON.stringify(material));
  return { corpora, material, path };
}
