import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminAssets, findStaticDir } from './admin-assets';

describe('admin assets', () => {
  it('finds src/admin/static from the compiled dist/src/admin as well as from src/admin', () => {
    const root = mkdtempSync(join(tmpdir(), 'ragline-admin-assets-'));
    try {
      const staticDir = join(root, 'src', 'admin', 'static');
      mkdirSync(staticDir, { recursive: true });
      writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
      const compiled = join(root, 'dist', 'src', 'admin');
      mkdirSync(compiled, { recursive: true });
      expect(findStaticDir(compiled)).toBe(staticDir);
      expect(findStaticDir(join(root, 'src', 'admin'))).toBe(staticDir);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says where it looked when the files are missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ragline-admin-empty-'));
    try {
      expect(() => findStaticDir(empty)).toThrow(/admin static files not found; looked in: /);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves the page, its script and style, and uPlot from node_modules, and nothing else', () => {
    const assets = new AdminAssets();
    expect(assets.names().sort()).toEqual([
      'admin.css',
      'admin.js',
      'bull-board-fetch.js',
      'bull-board-fonts.css',
      'favicon.svg',
      'index.html',
      'uPlot.iife.min.js',
      'uPlot.min.css',
    ]);
    expect(assets.get('index.html')?.contentType).toMatch(/^text\/html/);
    expect(assets.get('uPlot.iife.min.js')?.body.toString('utf8')).toMatch(/uPlot/);
    expect(assets.get('../../package.json')).toBeUndefined();
  });

  it('references only files it serves from the page (no CDN, no inline script)', () => {
    const html = new AdminAssets().get('index.html')!.body.toString('utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const names = new AdminAssets().names();
    for (const ref of refs.filter((r) => r.startsWith('/admin/assets/'))) {
      expect(names).toContain(ref.slice('/admin/assets/'.length));
    }
    expect(refs.filter((r) => /^https?:/.test(r))).toEqual([]);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
  });
});
