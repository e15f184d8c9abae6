import { RaglineClient } from '../client/ragline-client';
import { StubServer } from '../client/testing/stub-server';
import type { IngestDocument } from '../client/types';
import { sendBatch } from './sender';

let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.stop();
  stub = undefined;
});

/** Answers like an ingest endpoint with a body limit: 413 above `limit` bytes. */
async function ingestServer(limit: number): Promise<StubServer> {
  stub = await StubServer.start((req) => {
    if (Buffer.byteLength(req.body) > limit) {
      return {
        status: 413,
        body: { error: { code: 'payload_too_large', message: `body over ${limit} bytes` } },
      };
    }
    const { documents } = JSON.parse(req.body) as { documents: IngestDocument[] };
    return {
      status: 202,
      body: { jobs: documents.map((d) => ({ id: `job-${d.id}`, documentId: d.id })) },
    };
  });
  return stub;
}

const doc = (id: string, size: number): IngestDocument => ({ id, text: 'x'.repeat(size) });

describe('sendBatch', () => {
  it('splits a batch the server refuses with 413 until every part fits', async () => {
    const server = await ingestServer(700);
    const client = new RaglineClient({ baseUrl: server.url });
    const docs = Array.from({ length: 8 }, (_, i) => doc(`d${i}`, 200));

    const outcome = await sendBatch(client, 'docs', docs);

    expect(outcome.jobs.map((j) => j.documentId)).toEqual(docs.map((d) => d.id));
    expect(outcome.rejected).toEqual([]);
    const accepted = server.requests.filter((r) => Buffer.byteLength(r.body) <= 700);
    expect(accepted.length).toBe(4);
    expect(outcome.requests).toBe(server.requests.length);
  });

  it('rejects only the single document that is too large on its own', async () => {
    const server = await ingestServer(700);
    const client = new RaglineClient({ baseUrl: server.url });

    const outcome = await sendBatch(client, 'docs', [
      doc('ok1', 100),
      doc('big', 2000),
      doc('ok2', 100),
    ]);

    expect(outcome.jobs.map((j) => j.documentId)).toEqual(['ok1', 'ok2']);
    expect(outcome.rejected).toEqual([
      { documentId: 'big', reason: '413 payload_too_large: body over 700 bytes' },
    ]);
  });

  it('reports a batch refused as invalid (400) with the server reason', async () => {
    stub = await StubServer.start(() => ({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'metadata too large',
          details: { field: 'metadata' },
        },
      },
    }));
    const client = new RaglineClient({ baseUrl: stub.url });

    const outcome = await sendBatch(client, 'docs', [doc('a', 1), doc('b', 1)]);

    expect(outcome.rejected.map((r) => r.documentId)).toEqual(['a', 'b']);
    expect(outcome.rejected[0].reason).toBe(
      '400 invalid_request: metadata too large {"field":"metadata"}',
    );
  });

  it('throws errors that concern every batch alike (unknown collection, auth)', async () => {
    stub = await StubServer.start(() => ({
      status: 404,
      body: { error: { code: 'not_found', message: 'collection docs not found' } },
    }));
    const client = new RaglineClient({ baseUrl: stub.url });

    await expect(sendBatch(client, 'docs', [doc('a', 1)])).rejects.toMatchObject({ status: 404 });
  });
});
