import type { ServerResponse } from 'node:http';

/** Beyond this much unsent output, progress events are skipped (states and outcomes never). */
const SLOW_CLIENT_BYTES = 256 * 1024;

/** Server-sent events written to a raw Node response (Fastify's reply hijacked). */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Whether the client reads too slowly for optional events (progress). */
  get congested(): boolean {
    return this.res.writableLength > SLOW_CLIENT_BYTES;
  }

  /** Sends the headers; `headers` (security and rate-limit headers already set) are kept. */
  open(headers: Record<string, string | string[] | number | undefined>): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to
      'x-accel-buffering': 'no',
    });
    // How long an EventSource waits before connecting again (it then gets every state anew).
    this.res.write('retry: 3000\n\n');
  }

  event(name: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: ignored by clients, keeps proxies from closing an idle connection. */
  comment(text: string): void {
    if (this.closed) return;
    this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  /** Called once the connection is gone (client disconnect, or after end()). */
  onClose(callback: () => void): void {
    if (this.res.destroyed) callback();
    else this.res.once('close', callback);
  }
}
