'use strict';

/**
 * Piscina worker: parses one untrusted document off the event loop (see parse-pool.ts). Plain
 * CommonJS so it runs from dist/ (tsc copies it with allowJs) and from src/ under ts-jest,
 * where the parsers are TypeScript and are compiled on load.
 *
 * Task: `{ format, content }`. Result: the ParsedDocument.
 */

const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (!existsSync(join(__dirname, 'parse-document.js'))) {
  require(join(__dirname, '..', '..', 'test', 'support', 'ts-register.js'));
}
const { parseDocument } = require('./parse-document');

module.exports = function parse({ format, content }) {
  return parseDocument(format, content);
};
