import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * README.md's module map (Architecture) names every Nest module of src/ with its folder: it
 * fails here when a module is added, moved or renamed without the README, or the README names
 * a module that is not in the folder it gives.
 */
const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every `@Module` class of src/ but AppModule, with its folder (`catalog/`). */
function modulesInSource(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/@Module\([\s\S]*?\)\s*export class (\w+)/g)) {
      if (match[1] !== 'AppModule') modules.set(match[1], `${relative(SRC, dirname(file))}/`);
    }
  }
  return modules;
}

function architectureSection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Architecture');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/** Module names of the map's table rows, with the folders their row names. */
function modulesInReadme(section: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const match of section.matchAll(/^\| `(\w+Module)[`.][^|]*\|([^|]*)\|/gm)) {
    rows.set(
      match[1],
      [...match[2].matchAll(/`([\w-]+\/)`/g)].map((m) => m[1]),
    );
  }
  return rows;
}

describe("README.md's module map", () => {
  const section = architectureSection();
  const inSource = modulesInSource();

  it('finds the modules it checks', () => {
    expect(inSource.size).toBeGreaterThan(15);
    expect(inSource.get('CatalogModule')).toBe('catalog/');
  });

  it('names every module of src/ with its folder', () => {
    for (const [name, folder] of inSource) {
      const at = section.search(new RegExp(`\`${name}[\`.]`));
      const near = at < 0 ? '' : section.slice(at, at + 200).split('\n|')[0];
      expect({ name, folder: near.includes(`\`${folder}\``) ? folder : 'not named' }).toEqual({
        name,
        folder,
      });
    }
  });

  it('names no module that is not in the folder its row gives', () => {
    const rows = modulesInReadme(section);
    expect(rows.size).toBeGreaterThan(10);
    for (const [name, folders] of rows) {
      expect({ name, inSource: inSource.has(name) }).toEqual({ name, inSource: true });
      expect({ name, inItsFolder: folders.includes(inSource.get(name) ?? '') }).toEqual({
        name,
        inItsFolder: true,
      });
    }
  });
});
