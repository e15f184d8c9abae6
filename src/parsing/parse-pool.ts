import { join } from 'node:path';
import { Piscina } from 'piscina';
import { parseDocument } from './parse-document';
import type { DocumentFormat, ParsedDocument } from './types';

export const PARSE_WORKER_FILE = join(__dirname, 'parse.worker.js');

/** A document that could not be parsed within the time limit: its job fails for good. */
export class ParseTimeoutError extends Error {
  constructor(readonly limitMs: number) {
    super(`the document could not be parsed within ${limitMs} ms (markup too complex)`);
    this.name = 'ParseTimeoutError';
  }
}

export interface ParsePoolOptions {
  /** Longest one document may take to parse; its thread is then stopped. */
  timeoutMs: number;
  /** Parser threads. Default 1: parsing is fast next to embedding. */
  threads?: number;
}

/**
 * Parses untrusted HTML and Markdown in a worker thread with a time limit, so that no
 * document can block the event loop (HTTP, queue locks, search) whatever its markup: the
 * parsers are regular-expression based and some inputs are super-linear (measured: 500 KB of
 * nested `<div>` takes ~2 s). Plain text is linear and parsed in place.
 */
export class ParsePool {
  private readonly piscina: Piscina<{ format: DocumentFormat; content: string }, ParsedDocument>;
  /** Settles once the threads have started and loaded the parsers (not part of any time limit). */
  private ready: Promise<unknown>;

  constructor(private readonly options: ParsePoolOptions) {
    const threads = options.threads ?? 1;
    this.piscina = new Piscina({
      filename: PARSE_WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
    });
    this.ready = this.warmUp();
  }

  async parse(format: DocumentFormat, content: string): Promise<ParsedDocument> {
    if (format === 'text') return parseDocument(format, content);
    await this.ready;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return await this.piscina.run({ format, content }, { signal });
    } catch (error) {
      if (!signal.aborted) throw error;
      // The stopped thread is replaced; its start-up is not charged to the next document.
      this.ready = this.warmUp();
      throw new ParseTimeoutError(this.options.timeoutMs);
    }
  }

  private warmUp(): Promise<unknown> {
    return this.piscina.run({ format: 'html', content: '<p>warm up</p>' }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
