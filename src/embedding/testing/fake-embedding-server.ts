import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  model: string;
  input: string[];
  dimensions?: number;
  authorization?: string;
  url: string;
}

export type Behaviour = (
  request: SeenRequest,
  attempt: number,
  response: ServerResponse,
) => 'respond' | 'handled';

/**
 * A small OpenAI-compatible /v1/embeddings server (the stand-in for a hosted embedding API,
 * which cannot be reached here). Each text maps to a deterministic,
 * non-normalised vector derived from its characters, so order mistakes are visible.
 */
export class FakeEmbeddingServer {
  readonly requests: SeenRequest[] = [];
  behaviour: Behaviour = () => 'respond';
  dimensions = 8;
  shuffle = false;
  /** While set, answers wait for it: holds a client in the middle of its work. */
  gate: Promise<void> | null = null;
  private server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  static vectorFor(text: string, dimensions: number): number[] {
    const vector = new Array<number>(dimensions).fill(0.5);
    for (let i = 0; i < text.length; i++) vector[i % dimensions] += text.charCodeAt(i) * (i + 1);
    return vector;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; input: string[]; dimensions?: number };
      const seen: SeenRequest = {
        ...parsed,
        authorization: req.headers.authorization,
        url: req.url ?? '',
      };
      this.requests.push(seen);
      if (this.behaviour(seen, this.requests.length, res) === 'handled') return;
      const data = seen.input.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: FakeEmbeddingServer.vectorFor(text, this.dimensions),
      }));
      if (this.shuffle) data.reverse();
      void Promise.resolve(this.gate).then(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ object: 'list', data, model: seen.model, usage: {} }));
      });
    });
  }
}
