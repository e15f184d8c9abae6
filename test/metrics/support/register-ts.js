// Lets a child `node` process run the project's TypeScript directly (no build step), the way
// ts-jest does for the tests: each .ts file is transpiled to CommonJS on require.
// This file runs before any TypeScript can, so it is plain CommonJS.
 
const fs = require('node:fs');
 
const ts = require('typescript');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  module._compile(outputText, filename);
};
