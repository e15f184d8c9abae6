import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface PdfText {
  title: string;
  /** Text of each page, in order. */
  pages: string[];
  totalPages: number;
}

const WORKER_FILE = join(__dirname, 'pdf-text.worker.js');

/** The text of each page of a PDF, read in a worker thread that is stopped after `timeoutMs`. */
export function pdfText(bytes: Buffer, timeoutMs: number, maxPages = 2000): Promise<PdfText> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, {
      workerData: { bytes, maxPages },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`PDF text extraction took over ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (msg: { ok: boolean; result?: PdfText; error?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (msg.ok && msg.result) resolve(msg.result);
      else reject(new Error(`not a readable PDF: ${msg.error ?? 'unknown error'}`));
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`not a readable PDF: ${err.message}`));
    });
  });
}
