import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FASTIFY_DOCS = join(__dirname, '..', '..', 'node_modules', 'fastify', 'docs', 'Reference');

/** One Markdown reference page that ships inside the installed fastify package. */
export function fastifyPage(name: string): string {
  return readFileSync(join(FASTIFY_DOCS, name), 'utf8');
}

/** A small real corpus: Markdown reference pages that ship inside the installed fastify package. */
export function fastifyDocs(
  names = ['HTTP2.md', 'Principles.md', 'Middleware.md', 'Lifecycle.md'],
) {
  return names.map((name) => ({ id: `reference/${name}`, markdown: fastifyPage(name) }));
}
