import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesFilter } from './fake-qdrant-filter';
import { normalise, runQuery, type FakePoint } from './fake-qdrant-query';

/**
 * A stand-in for a Qdrant server on 127.0.0.1 (random port) for tests where no server can run:
 * it records every request (method, path, query, JSON body, headers) and answers with bodies
 * shaped as Qdrant's OpenAPI document describes them. It keeps just enough state to be
 * coherent: collections (their config and payload indexes) and points, with match/range
 * filters for scroll, count and delete, and exact searches through the Query API (see
 * fake-qdrant-query.ts). Handlers run first and may answer anything (errors, canned hits).
 * Test support only; it is not a Qdrant.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer only after this long (to exercise client timeouts). */
  delayMs?: number;
  /** Close the connection without answering (a connection-level failure). */
  dropConnection?: boolean;
}

export type FakeHandler = (request: RecordedRequest) => FakeReply | undefined;

export interface RecordedExchange {
  request: RecordedRequest;
  reply: FakeReply & { status: number };
}

type JsonObject = Record<string, unknown>;

interface FakeCollection {
  config: JsonObject;
  indexingThreshold: number | null;
  payloadSchema: Map<string, string>;
  points: Map<string, FakePoint>;
}

let operationCounter = 0;

export class FakeQdrantServer {
  readonly exchanges: RecordedExchange[] = [];
  readonly collections = new Map<string, FakeCollection>();
  private readonly handlers: FakeHandler[] = [];
  private readonly delayedReplies = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeQdrantServer> {
    let fake: FakeQdrantServer | null = null;
    const server = createServer((req, res) => {
      if (fake) fake.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeQdrantServer(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  get requests(): RecordedRequest[] {
    return this.exchanges.map((e) => e.request);
  }

  /** Handlers are tried in order, most recently added first; `undefined` passes on. */
  use(handler: FakeHandler): void {
    this.handlers.unshift(handler);
  }

  clearHandlers(): void {
    this.handlers.length = 0;
  }

  reset(): void {
    this.exchanges.length = 0;
    this.clearHandlers();
    this.collections.clear();
  }

  close(): Promise<void> {
    for (const timer of this.delayedReplies) clearTimeout(timer);
    this.delayedReplies.clear();
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body,
        headers: req.headers,
      };
      let reply: FakeReply | undefined;
      for (const handler of this.handlers) {
        reply = handler(request);
        if (reply) break;
      }
      reply ??= this.defaultReply(request);
      const status = reply.status ?? 200;
      this.exchanges.push({ request, reply: { ...reply, status } });
      if (reply.dropConnection) {
        req.socket.destroy();
        return;
      }
      const answer = reply;
      const send = (): void => {
        if (!res.destroyed) this.send(res, status, answer);
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          this.delayedReplies.delete(timer);
          send();
        }, reply.delayMs);
        this.delayedReplies.add(timer);
      } else send();
    });
  }

  private send(res: ServerResponse, status: number, reply: FakeReply): void {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
    res.writeHead(status, {
      'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(text);
  }

  private defaultReply(req: RecordedRequest): FakeReply {
    const { method, path } = req;
    if (method === 'GET' && path === '/') {
      return { body: { title: 'qdrant - vector search engine', version: '1.19.0', commit: null } };
    }
    if (method === 'GET' && path === '/readyz') return { body: 'all shards are ready' };
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return notFound(`no route ${method} ${path}`);
    const name = decodeURIComponent(match[1]);
    const rest = match[2] ?? '';
    const collection = this.collections.get(name);
    if (method === 'GET' && rest === '/exists') return ok({ exists: collection !== undefined });
    if (method === 'PUT' && rest === '') {
      if (collection) return error(409, `Wrong input: Collection \`${name}\` already exists!`);
      this.collections.set(name, {
        config: asObject(req.body),
        indexingThreshold: null,
        payloadSchema: new Map(),
        points: new Map(),
      });
      return ok(true);
    }
    if (!collection) return notFound(`Collection \`${name}\` doesn't exist!`);
    if (method === 'DELETE' && rest === '') {
      this.collections.delete(name);
      return ok(true);
    }
    if (method === 'GET' && rest === '') return ok(collectionInfo(collection));
    if (method === 'PATCH' && rest === '') {
      const optimizers = asObject(asObject(req.body).optimizers_config);
      if (typeof optimizers.indexing_threshold === 'number') {
        collection.indexingThreshold = optimizers.indexing_threshold;
      }
      return ok(true);
    }
    if (method === 'PUT' && rest === '/index') {
      const body = asObject(req.body);
      collection.payloadSchema.set(String(body.field_name), String(body.field_schema));
      return ok(updateResult());
    }
    if (method === 'PUT' && rest === '/points') {
      for (const point of asArray(asObject(req.body).points)) {
        const p = asObject(point);
        const vectors: FakePoint['vectors'] = {};
        for (const [name, v] of Object.entries(asObject(p.vector))) {
          if (Array.isArray(v)) vectors[name] = normalise(v.map(Number));
          else {
            const sparse = asObject(v);
            vectors[name] = {
              indices: asArray(sparse.indices).map(Number),
              values: asArray(sparse.values).map(Number),
            };
          }
        }
        collection.points.set(String(p.id), { payload: asObject(p.payload), vectors });
      }
      return ok(updateResult());
    }
    if (method === 'POST' && rest === '/points/delete') {
      const body = asObject(req.body);
      if (Array.isArray(body.points))
        for (const id of body.points) collection.points.delete(String(id));
      else {
        for (const [id, p] of collection.points) {
          if (matchesFilter(p.payload, asObject(body.filter))) collection.points.delete(id);
        }
      }
      return ok(updateResult());
    }
    if (method === 'POST' && rest === '/points/count') {
      const filter = asObject(asObject(req.body).filter);
      const count = [...collection.points.values()].filter((p) =>
        matchesFilter(p.payload, filter),
      ).length;
      return ok({ count });
    }
    if (method === 'POST' && rest === '/points/scroll')
      return ok(scroll(collection, asObject(req.body)));
    if (method === 'POST' && rest === '/points/query/batch') {
      return ok(
        asArray(asObject(req.body).searches).map((q) => runQuery(collection.points, asObject(q))),
      );
    }
    if (method === 'POST' && rest === '/points/query')
      return ok(runQuery(collection.points, asObject(req.body)));
    return notFound(`no route ${method} ${path}`);
  }
}

export function ok(result: unknown): FakeReply {
  return { status: 200, body: { result, status: 'ok', time: 0.0001 } };
}

export function error(status: number, message: string): FakeReply {
  return { status, body: { status: { error: message }, time: 0.0001 } };
}

function notFound(message: string): FakeReply {
  return error(404, `Not found: ${message}`);
}

function updateResult(): JsonObject {
  return { operation_id: ++operationCounter, status: 'completed' };
}

function collectionInfo(c: FakeCollection): JsonObject {
  const hnsw = asObject(c.config.hnsw_config);
  const params: JsonObject = { vectors: c.config.vectors, shard_number: 1, replication_factor: 1 };
  if (c.config.sparse_vectors) params.sparse_vectors = c.config.sparse_vectors;
  const optimizerConfig: JsonObject = { default_segment_number: 0, flush_interval_sec: 5 };
  if (c.indexingThreshold !== null) optimizerConfig.indexing_threshold = c.indexingThreshold;
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: 0,
    points_count: c.points.size,
    segments_count: 2,
    config: {
      params,
      hnsw_config: {
        m: typeof hnsw.m === 'number' ? hnsw.m : 16,
        ef_construct: typeof hnsw.ef_construct === 'number' ? hnsw.ef_construct : 100,
        full_scan_threshold: 10000,
      },
      optimizer_config: optimizerConfig,
      quantization_config: c.config.quantization_config ?? null,
    },
    payload_schema: Object.fromEntries(
      [...c.payloadSchema].map(([field, type]) => [
        field,
        { data_type: type, points: c.points.size },
      ]),
    ),
  };
}

function scroll(c: FakeCollection, body: JsonObject): JsonObject {
  const filter = asObject(body.filter);
  const limit = typeof body.limit === 'number' ? body.limit : 10;
  const ids = [...c.points.keys()].sort();
  const start =
    body.offset === undefined || body.offset === null ? 0 : ids.indexOf(String(body.offset));
  const matching = ids
    .slice(Math.max(0, start))
    .filter((id) => matchesFilter(c.points.get(id)?.payload ?? {}, filter));
  const page = matching.slice(0, limit);
  const fields = Array.isArray(body.with_payload) ? body.with_payload.map(String) : null;
  return {
    points: page.map((id) => ({
      id,
      payload: selectFields(c.points.get(id)?.payload ?? {}, fields),
    })),
    next_page_offset: matching.length > limit ? matching[limit] : null,
  };
}

function selectFields(payload: JsonObject, fields: string[] | null): JsonObject {
  if (!fields) return payload;
  return Object.fromEntries(fields.filter((f) => f in payload).map((f) => [f, payload[f]]));
}

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
