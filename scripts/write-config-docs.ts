/**
 * Writes the configuration table of README.md (between its config-table markers) from the
 * config schema and src/config/config-docs.ts: `npm run docs:config`. With `--check` it
 * writes nothing and exits 1 when README.md differs (test/config-docs.spec.ts runs that).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { configTableMarkdown, withConfigTable } from '../src/config/config-docs';

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const readmePath = join(process.cwd(), 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  const wanted = await prettier.format(withConfigTable(readme, configTableMarkdown()), {
    ...options,
    filepath: readmePath,
  });
  if (wanted === readme) {
    console.log('README.md: the configuration table is up to date');
    return;
  }
  if (check) {
    console.error(
      'README.md: the configuration table differs from the config schema; run `npm run docs:config`',
    );
    process.exit(1);
  }
  writeFileSync(readmePath, wanted);
  console.log('README.md: configuration table rewritten');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
