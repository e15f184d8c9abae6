import { z } from 'zod';
import { collectionListSchema } from '../contract/collections';
import { AnswerToCheck, contractProblem } from './response-check';

const json = 'application/json; charset=utf-8';
const contract = { 200: z.object({ jobs: z.array(z.object({ id: z.string() })) }), 204: null };

function answer(over: Partial<AnswerToCheck>): AnswerToCheck {
  return {
    path: '/v1/jobs',
    route: '/v1/jobs',
    contract,
    status: 200,
    contentType: json,
    payload: '{"jobs":[{"id":"a"}]}',
    ...over,
  };
}

describe('contractProblem', () => {
  it('passes an answer its schema accepts, as a string or as bytes', () => {
    expect(contractProblem(answer({}))).toBeUndefined();
    expect(contractProblem(answer({ payload: Buffer.from('{"jobs":[]}') }))).toBeUndefined();
  });

  it('names the field of a body its schema rejects', () => {
    expect(contractProblem(answer({ payload: '{"jobs":[{"id":7}]}' }))).toBe(
      'body.jobs[0].id: Expected string, received number',
    );
    expect(contractProblem(answer({ payload: '{"items":[]}' }))).toMatch(/^body\.jobs: Required/);
  });

  it('refuses a success status the route does not declare, and a route without a contract', () => {
    expect(contractProblem(answer({ status: 201 }))).toBe('the route does not declare status 201');
    expect(contractProblem(answer({ contract: undefined }))).toMatch(
      /declares no response schemas/,
    );
  });

  it('wants no body for a status declared without one', () => {
    expect(contractProblem(answer({ status: 204, payload: '' }))).toBeUndefined();
    expect(contractProblem(answer({ status: 204, payload: '{}' }))).toBe(
      'status 204 must have no body',
    );
  });

  it('holds every error, on any path under /v1 (unmatched routes too), to the error envelope', () => {
    const envelope = '{"error":{"code":"not_found","message":"job \'x\' not found"}}';
    expect(contractProblem(answer({ status: 404, payload: envelope }))).toBeUndefined();
    expect(
      contractProblem(
        answer({ status: 404, route: undefined, contract: undefined, payload: envelope }),
      ),
    ).toBeUndefined();
    expect(contractProblem(answer({ status: 500, payload: '{"message":"boom"}' }))).toMatch(
      /^body\.error: Required/,
    );
    expect(
      contractProblem(answer({ status: 503, contentType: 'text/plain', payload: 'down' })),
    ).toMatch(/not the JSON error envelope/);
  });

  it('leaves what is not the API alone: /admin, /docs, /metrics', () => {
    expect(
      contractProblem(answer({ path: '/metrics', contract: undefined, contentType: 'text/plain' })),
    ).toBeUndefined();
    expect(
      contractProblem(answer({ path: '/admin/api/config', contract: undefined })),
    ).toBeUndefined();
  });

  it('checks a real contract schema: a collection without its counts is refused', () => {
    const listed = {
      collections: [
        { name: 'docs', documents: 1, chunks: 2, dimensions: 512, embedder: 'use-lite' },
      ],
    };
    expect(
      contractProblem(
        answer({
          path: '/v1/collections',
          contract: { 200: collectionListSchema },
          payload: JSON.stringify(listed),
        }),
      ),
    ).toMatch(/^body\.collections\[0\]\.store: Required/);
  });
});
