'use strict';

/**
 * Runs in a worker thread (see pdf-text.ts): the text of each page of one PDF, through
 * pdfjs-dist's legacy build (ESM only, hence the dynamic import; a thread so that a hostile
 * PDF can be stopped by time and never blocks the event loop).
 */
const { parentPort, workerData } = require('node:worker_threads');

async function main() {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(workerData.bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  const pages = [];
  const count = Math.min(doc.numPages, workerData.maxPages);
  for (let i = 1; i <= count; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (typeof item.str !== 'string') continue;
      text += item.str + (item.hasEOL ? '\n' : ' ');
    }
    pages.push(
      text
        .replace(/[ \t]+/g, ' ')
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
    );
    page.cleanup();
  }
  const info = await doc.getMetadata().catch(() => undefined);
  const title = info && info.info && typeof info.info.Title === 'string' ? info.info.Title : '';
  await doc.destroy();
  return { pages, title, totalPages: doc.numPages };
}

main().then(
  (result) => parentPort.postMessage({ ok: true, result }),
  (err) => parentPort.postMessage({ ok: false, error: String((err && err.message) || err) }),
);
