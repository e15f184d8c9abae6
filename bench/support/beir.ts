import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirDataset {
  name: string;
  dir: string;
  corpus: BeirDocument[];
  queries: { id: string; text: string }[];
  /** query id -> corpus id -> graded relevance */
  qrels: Map<string, Map<string, number>>;
}

/** Where the shared retrieval collections live, beside the repository (absent on a fresh checkout). */
export function sharedDatasetsDir(): string {
  return resolve(process.cwd(), '..', 'shared', 'datasets');
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

export function hasBeirDataset(dir: string): boolean {
  return ['corpus.jsonl', 'queries.jsonl', join('qrels', 'test.tsv')].every((f) =>
    existsSync(join(dir, f)),
  );
}

/** Loads a collection in BEIR layout: corpus.jsonl, queries.jsonl, qrels/test.tsv. */
export function loadBeirDataset(dir: string): BeirDataset {
  const corpus = readJsonl<{ _id: string; title?: string; text?: string }>(
    join(dir, 'corpus.jsonl'),
  ).map((d) => ({
    id: String(d._id),
    title: d.title ?? '',
    text: d.text ?? '',
  }));
  const queries = readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl')).map((q) => ({
    id: String(q._id),
    text: q.text,
  }));
  const qrels = new Map<string, Map<string, number>>();
  const lines = readFileSync(join(dir, 'qrels', 'test.tsv'), 'utf8')
    .split('\n')
    .slice(1);
  for (const line of lines) {
    const [queryId, docId, score] = line.trim().split('\t');
    if (!queryId || !docId) continue;
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    judged.set(docId, Number(score));
    qrels.set(queryId, judged);
  }
  const name = dir.replace(/\/+$/, '').split('/').pop() ?? dir;
  return { name, dir, corpus, queries: queries.filter((q) => qrels.has(q.id)), qrels };
}

/** The text ragline ingests for a BEIR document: its title as a heading line, then the body. */
export function documentText(doc: BeirDocument): string {
  return doc.title ? `${doc.title}\n\n${doc.text}` : doc.text;
}
