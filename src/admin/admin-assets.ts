import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The admin page's own files, kept as plain files in src/admin/static (tsc copies no assets). */
const OWN_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
  'admin.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
  'bull-board-fonts.css': 'text/css; charset=utf-8',
  'bull-board-fetch.js': 'text/javascript; charset=utf-8',
};

/** uPlot, served from node_modules (no CDN: the page must work offline). */
const UPLOT_FILES: Record<string, string> = {
  'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'uPlot.min.css': 'text/css; charset=utf-8',
};

export interface AdminAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

/**
 * Where src/admin/static is: beside this file when it runs from src/ (ts-jest, ts-register),
 * or, from the compiled dist/src/admin/, at src/admin/static under the project root (the
 * Dockerfile copies that folder into the image beside dist/).
 */
export function findStaticDir(from: string = __dirname): string {
  const candidates = [
    join(from, 'static'),
    ...ancestors(from).map((d) => join(d, 'src', 'admin', 'static')),
  ];
  const found = candidates.find((c) => existsSync(join(c, 'index.html')));
  if (!found) {
    throw new Error(`admin static files not found; looked in: ${candidates.join(', ')}`);
  }
  return found;
}

export function uplotDistDir(): string {
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

function load(path: string, contentType: string): AdminAsset {
  const body = readFileSync(path);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag };
}

/** Every file the admin page needs, read once at start (about 80 KB in all). */
@Injectable()
export class AdminAssets {
  private readonly files = new Map<string, AdminAsset>();

  constructor() {
    const own = findStaticDir();
    for (const [name, type] of Object.entries(OWN_FILES)) {
      this.files.set(name, load(join(own, name), type));
    }
    const uplot = uplotDistDir();
    for (const [name, type] of Object.entries(UPLOT_FILES)) {
      this.files.set(name, load(join(uplot, name), type));
    }
  }

  /** Only the fixed names above are served: a request path never reaches the file system. */
  get(name: string): AdminAsset | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.files.keys()];
  }
}
