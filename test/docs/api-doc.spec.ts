import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * docs/API.md is the user's reference: every route a controller registers must be in it, and
 * a route documented under its own heading must state the scopes (or that it is public) that
 * the code asks for. Reads the controllers' decorators, so a new route fails here until
 * documented.
 */

const repo = resolve(__dirname, '..', '..');
const apiDoc = readFileSync(join(repo, 'docs', 'API.md'), 'utf8');

interface Route {
  method: string;
  path: string;
  scopes: string[];
  isPublic: boolean;
  file: string;
}

const CONTROLLER = /@Controller\(\s*'([^']*)'\s*\)/;
const ROUTE = /^\s*@(Get|Post|Put|Delete|Patch)\(\s*(?:'([^']*)')?\s*\)/;
/** A method's signature line, at class-member indentation: where its decorators end. */
const METHOD_START = /^ {2}(async\s+)?[A-Za-z_]\w*\s*\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function scopesIn(text: string): string[] {
  const found = /@RequireScope\(([^)]*)\)/.exec(text);
  return found ? [...found[1].matchAll(/'(\w+)'/g)].map((m) => m[1]) : [];
}

/** The routes of one file's controllers, from their decorators. */
function routesOf(file: string): Route[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const routes: Route[] = [];
  let prefix: string | undefined;
  let classPublic = false;
  let classHeader: string[] = [];
  lines.forEach((line, i) => {
    if (/^@/.test(line)) classHeader.push(line);
    const controller = CONTROLLER.exec(line);
    if (controller) prefix = controller[1];
    if (/^export class /.test(line)) {
      classPublic = classHeader.some((l) => /^@Public\(\)/.test(l));
      classHeader = [];
    }
    const route = ROUTE.exec(line);
    if (!route || prefix === undefined) return;
    let start = i;
    while (start > 0 && !/^\s*(})?\s*$/.test(lines[start - 1]) && !/{\s*$/.test(lines[start - 1]))
      start--;
    let end = i;
    while (end < lines.length - 1 && !METHOD_START.test(lines[end])) end++;
    const decorators = lines.slice(start, end).join('\n');
    const path = '/' + [prefix, route[2] ?? ''].filter(Boolean).join('/');
    routes.push({
      method: route[1].toUpperCase(),
      path,
      scopes: scopesIn(decorators),
      isPublic: classPublic || /@Public\(\)/.test(decorators),
      file: relative(repo, file),
    });
  });
  return routes;
}

const routes = sourceFiles(join(repo, 'src')).flatMap(routesOf);

/** The text under `### METHOD path` (up to the next heading), or undefined without one. */
function sectionOf(route: Route): string | undefined {
  const lines = apiDoc.split('\n');
  const at = lines.findIndex((l) => {
    const heading = /^#{2,4} (\S+) (\S+)$/.exec(l.trim());
    return (
      heading !== null && heading[1] === route.method && heading[2].split('?')[0] === route.path
    );
  });
  if (at < 0) return undefined;
  const next = lines.findIndex((l, i) => i > at && /^#{1,4} /.test(l));
  return lines.slice(at + 1, next < 0 ? undefined : next).join('\n');
}

describe('docs/API.md', () => {
  it('reads the routes the controllers register', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'PUT /v1/collections/:name',
        'POST /v1/collections/:name/search',
        'GET /v1/jobs/:id',
        'GET /v1/health',
        'GET /metrics',
      ]),
    );
    const search = routes.find((r) => r.method === 'POST' && r.path.endsWith('/search/batch'));
    expect(search?.scopes).toEqual(['search']);
    expect(routes.find((r) => r.path === '/v1/health/ready')?.isPublic).toBe(true);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'documents %s',
    (name, route) => {
      expect({ route: name, file: route.file, documented: apiDoc.includes(name) }).toEqual({
        route: name,
        file: route.file,
        documented: true,
      });
    },
  );

  it.each(
    routes
      .filter((r) => r.path.startsWith('/v1/') || r.path === '/metrics')
      .map((r) => [`${r.method} ${r.path}`, r] as const),
  )('gives %s its own section stating its scopes', (name, route) => {
    const section = sectionOf(route);
    expect({ route: name, hasSection: section !== undefined }).toEqual({
      route: name,
      hasSection: true,
    });
    const text = section ?? '';
    if (route.isPublic) expect(text).toMatch(/^Public\./m);
    else {
      expect(text).toMatch(/^Scope `/m);
      for (const scope of route.scopes) expect(text).toContain(`\`${scope}\``);
    }
  });
});
