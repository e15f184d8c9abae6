import { CircuitOpenError } from '../resilience/circuit-breaker';
import { ApiError } from '../common/api-error';
import { toErrorResponse } from './http-exception.filter';

describe('toErrorResponse', () => {
  it('answers an open circuit 503 with Retry-After and without the internal failure', () => {
    const { status, body, headers } = toErrorResponse(
      new CircuitOpenError('store-write', 9500, 'EPERM at /var/lib/ragline'),
    );
    expect(status).toBe(503);
    expect(headers).toEqual({ 'retry-after': '10' });
    expect(body.error).toEqual({
      code: 'unavailable',
      message: 'store-write is unavailable (circuit open); retry in 10 s',
    });
  });
});

describe('toErrorResponse keeps internals from callers', () => {
  const lance =
    'Failed to execute merge insert: lance error: LanceError(IO): Operation not permitted (os error 1), /usr/local/cargo/registry/src/lance-io-8.0.0/src/object_store.rs:747:21';

  it('answers an unexpected error with a plain message and no driver text', () => {
    const { status, body } = toErrorResponse(new Error(lance));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toMatch(/cargo|\.rs|lance/i);
  });

  it('withholds a deliberate message that embeds a path, and scrubs strings in its details', () => {
    const { status, body, withheld } = toErrorResponse(
      new ApiError(503, 'not_ready', "EPERM: operation not permitted, access '/var/lib/ragline'", {
        store: { status: 'down', message: "EPERM: access '/var/lib/ragline'" },
        redis: { status: 'up' },
      }),
    );
    expect(status).toBe(503);
    expect(withheld).toMatch(/EPERM/);
    expect(body.error.code).toBe('not_ready');
    expect(body.error.message).toMatch(/^a backing service is unavailable/);
    expect(body.error.details).toEqual({
      store: { status: 'down', message: 'hidden (see the service log)' },
      redis: { status: 'up' },
    });
  });

  it('passes plain messages through unchanged, document ids with slashes included', () => {
    for (const message of [
      "document 'docs/install.md' not found",
      'limit: must be at most 100',
      "collection 'a' is being deleted (an earlier delete did not finish); repeat the DELETE, then create it",
    ]) {
      expect(
        toErrorResponse(new ApiError(400, 'invalid_request', message)).body.error.message,
      ).toBe(message);
    }
  });

  it('withholds Redis client wording, socket addresses and stack frames', () => {
    for (const message of [
      'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'boom\n    at Object.<anonymous> (/srv/app/dist/main.js:1:1)',
      "Cannot read properties of undefined (reading 'x')",
    ]) {
      expect(toErrorResponse(new ApiError(503, 'unavailable', message)).withheld).toBe(message);
    }
  });
});
