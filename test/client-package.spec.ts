import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..');

/**
 * `ragline/client` as another project sees it: this package.json (its `exports` and
 * `typesVersions`) over the client built the way `npm run build` builds it, linked into a
 * consumer's node_modules the way `npm install <path>` links it.
 */
describe('the client as a package (ragline/client)', () => {
  let work: string;
  let consumer: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ragline-client-package-'));
    const pkg = join(work, 'ragline');
    mkdirSync(pkg);
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    // The build's client config, with JavaScript emitted too, into the package's own dist/.
    execFileSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        join(ROOT, 'tsconfig.client.json'),
        '--emitDeclarationOnly',
        'false',
        '--outDir',
        join(pkg, 'dist'),
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    consumer = join(work, 'app');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(pkg, join(consumer, 'node_modules', 'ragline'), 'dir');
    // The client's declarations refer to zod's types (a dependency of the package), found
    // from the package's real path, as an installed and hoisted zod would be.
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules', 'zod'), join(work, 'node_modules', 'zod'), 'dir');
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs a script with Node itself (not jest's resolver) in the consumer's folder. */
  function nodeIn(dir: string, script: string): string {
    return execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }).trim();
  }

  it('resolves through the package exports to the built client, with its declarations', () => {
    const entry = nodeIn(consumer, "console.log(require.resolve('ragline/client'))");
    expect(entry).toBe(join(realpathSync(work), 'ragline', 'dist', 'src', 'client', 'index.js'));
    expect(existsSync(entry.replace(/\.js$/, '.d.ts'))).toBe(true);
    expect(
      nodeIn(
        consumer,
        "const { RaglineClient } = require('ragline/client'); console.log(new RaglineClient({ baseUrl: 'http://127.0.0.1:3000/' }).baseUrl)",
      ),
    ).toBe('http://127.0.0.1:3000');
    // Only what the exports name is reachable.
    expect(() => nodeIn(consumer, "require('ragline/dist/src/client/index.js')")).toThrow(
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });

  function typeErrors(code: string, moduleResolution: ts.ModuleResolutionKind): string[] {
    const file = join(consumer, `use-${moduleResolution}.ts`);
    writeFileSync(file, code);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module:
        moduleResolution === ts.ModuleResolutionKind.Node16
          ? ts.ModuleKind.Node16
          : ts.ModuleKind.CommonJS,
      moduleResolution,
      types: [],
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      skipLibCheck: true,
    });
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  const USE = `
import { RaglineClient, type SearchHit, type SearchRequest } from 'ragline/client';
const client = new RaglineClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k' });
const request: SearchRequest = { query: 'install', params: { weights: { dense: 1, bm25: 2 } } };
export async function first(): Promise<string[] | undefined> {
  const { hits } = await client.search('docs', request);
  const hit: SearchHit | undefined = hits[0];
  return hit?.headingPath;
}
`;

  it.each([
    ['node16 (package exports)', ts.ModuleResolutionKind.Node16],
    ['node10 (typesVersions)', ts.ModuleResolutionKind.Node10],
  ])('type-checks a program that imports it, %s', (_name, resolution) => {
    expect(typeErrors(USE, resolution)).toEqual([]);
    // The types are real: a wrong use is an error, not `any`.
    expect(
      typeErrors(USE.replace('return hit?.headingPath;', 'return hit?.score;'), resolution).join(),
    ).toMatch(/number/);
  });
});
