import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configSchema } from '../../src/config/config.schema';

/**
 * README.md's configuration table is generated from the config schema (`npm run docs:config`):
 * it fails here when a setting is added, removed or changes its default without the README.
 */
const ROOT = resolve(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'write-config-docs.ts');
const REGISTER = join(ROOT, 'test', 'support', 'ts-register.js');

function check(cwd: string) {
  const result = spawnSync(process.execPath, ['--require', REGISTER, SCRIPT, '--check'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("README.md's configuration table", () => {
  it('is what `npm run docs:config` writes from the schema', () => {
    const result = check(ROOT);
    expect(result).toEqual({
      status: 0,
      output: expect.stringContaining('up to date'),
    });
  });

  it('lists every setting of the schema, once', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const key of Object.keys(configSchema.shape)) {
      expect({ key, rows: readme.split(`\n| \`${key}\` `).length - 1 }).toEqual({ key, rows: 1 });
    }
  });

  it('fails the check when the README drifts from the schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragline-readme-'));
    try {
      copyFileSync(join(ROOT, '.prettierrc'), join(dir, '.prettierrc'));
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const drifted = readme.replace(/\n\| `RAGLINE_SEARCH_CONCURRENCY` [^\n]*/, '');
      expect(drifted).not.toBe(readme);
      writeFileSync(join(dir, 'README.md'), drifted);
      const result = check(dir);
      expect(result.status).toBe(1);
      expect(result.output).toContain('run `npm run docs:config`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
