import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export type FileFormat = 'markdown' | 'text' | 'html';
export type IdStyle = 'relative' | 'basename';

export interface DiscoveredFile {
  /** Absolute path on disk. */
  path: string;
  /** Path relative to the directory (or glob base) it was found under, with `/` separators. */
  relativePath: string;
  /** Document id sent to ragline. */
  id: string;
  format: FileFormat;
  bytes: number;
}

export interface DiscoverOptions {
  cwd?: string;
  ids?: IdStyle;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
};

export const SUPPORTED_EXTENSIONS = Object.keys(FORMAT_BY_EXTENSION);

/** Never worth ingesting, and slow to crawl. */
const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**'];

export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/** The ingest format of a file, from its extension (case-insensitive); undefined if unsupported. */
export function formatOf(path: string): FileFormat | undefined {
  const name = basename(path).toLowerCase();
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : FORMAT_BY_EXTENSION[name.slice(dot)];
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** The directory part of a glob before its first dynamic segment (`docs/**\/*.md` → `docs`). */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  if (fixed.length === segments.length - 1 && !isDynamicPattern(segments[segments.length - 1])) {
    return dirname(pattern);
  }
  const joined = fixed.join('/');
  return joined === '' ? (pattern.startsWith('/') ? '/' : '.') : joined;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

interface Candidate {
  path: string;
  base: string;
}

async function candidatesOf(input: string, cwd: string): Promise<Candidate[]> {
  const absolute = resolve(cwd, input);
  const info = await statOrUndefined(absolute);
  if (info?.isDirectory()) {
    const found = await glob('**/*', { cwd: absolute, absolute: true, ignore: ALWAYS_IGNORED });
    return found
      .filter((p) => formatOf(p) !== undefined)
      .map((path) => ({ path: resolve(path), base: absolute }));
  }
  if (info?.isFile()) {
    if (formatOf(absolute) === undefined) {
      throw new DiscoveryError(
        `unsupported file type: ${input} (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`,
      );
    }
    return [{ path: absolute, base: dirname(absolute) }];
  }
  if (!isDynamicPattern(input)) throw new DiscoveryError(`no such file or directory: ${input}`);
  const pattern = toPosix(input);
  const baseDir = resolve(cwd, globBase(pattern));
  const found = await glob(pattern, { cwd, absolute: true, ignore: ALWAYS_IGNORED });
  return found
    .filter((p) => formatOf(p) !== undefined)
    .map((path) => ({ path: resolve(path), base: baseDir }));
}

function describeCollisions(collisions: Map<string, string[]>): string {
  const lines = [...collisions].slice(0, 5).map(([id, paths]) => `  ${id}: ${paths.join(', ')}`);
  const more = collisions.size > 5 ? `\n  ... and ${collisions.size - 5} more` : '';
  return `${collisions.size} document id(s) would be used by more than one file:\n${lines.join('\n')}${more}`;
}

/**
 * Finds the Markdown, text and HTML files under directories, given as files, or matched by globs.
 * Ids are paths relative to the directory given (or the fixed part of the glob, or the file's own
 * directory), so the same tree ingested again gets the same ids. Fails when two different files
 * would share an id, or when nothing is found.
 */
export async function discoverFiles(
  inputs: readonly string[],
  options: DiscoverOptions = {},
): Promise<DiscoveredFile[]> {
  const cwd = options.cwd ?? process.cwd();
  const idStyle = options.ids ?? 'relative';
  const seenPaths = new Set<string>();
  const pathsById = new Map<string, string[]>();
  const files: DiscoveredFile[] = [];

  for (const input of inputs) {
    const candidates = (await candidatesOf(input, cwd)).sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
    for (const { path, base } of candidates) {
      if (seenPaths.has(path)) continue;
      seenPaths.add(path);
      const rel = relative(base, path);
      const relativePath = toPosix(rel === '' || isAbsolute(rel) ? basename(path) : rel);
      const id = idStyle === 'basename' ? basename(path) : relativePath;
      const info = await stat(path);
      files.push({
        path,
        relativePath,
        id,
        format: formatOf(path) as FileFormat,
        bytes: info.size,
      });
      pathsById.set(id, [...(pathsById.get(id) ?? []), toPosix(relative(cwd, path))]);
    }
  }

  const collisions = new Map([...pathsById].filter(([, paths]) => paths.length > 1));
  if (collisions.size > 0) throw new DiscoveryError(describeCollisions(collisions));
  if (files.length === 0) {
    throw new DiscoveryError(
      `no Markdown, text or HTML files (${SUPPORTED_EXTENSIONS.join(', ')}) found in ${inputs.join(', ')}`,
    );
  }
  return files;
}
