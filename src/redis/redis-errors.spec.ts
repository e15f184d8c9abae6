import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { ApiError } from '../common/api-error';
import { toErrorResponse } from '../http/http-exception.filter';
import { isRedisUnavailable, orUnavailable, redisUnavailable } from './redis-errors';

describe('Redis outage errors', () => {
  it.each([
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Connection is closed.',
    'Command timed out',
    'LOADING Redis is loading the dataset in memory',
    'MISCONF Errors writing to the AOF file: No space left on device',
  ])('recognises %p as Redis being unavailable', (message) => {
    expect(isRedisUnavailable(new Error(message))).toBe(true);
  });

  it('recognises ioredis giving up on a command after its retries', () => {
    expect(isRedisUnavailable(new MaxRetriesPerRequestError(1))).toBe(true);
  });

  it('leaves other errors alone, and API errors that already say what went wrong', () => {
    expect(isRedisUnavailable(new Error('WRONGTYPE Operation against a key'))).toBe(false);
    expect(isRedisUnavailable(new SyntaxError('Unexpected token'))).toBe(false);
    expect(isRedisUnavailable(ApiError.badRequest('Connection is closed.'))).toBe(false);
    expect(isRedisUnavailable(undefined)).toBe(false);
    // a store or embedding server that refuses connections is not Redis
    expect(isRedisUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:6333'))).toBe(false);
  });

  it('answers an outage that reaches the HTTP layer with 503, Retry-After and the reason, never 500', () => {
    const { status, body, headers } = toErrorResponse(new Error('Connection is closed.'));
    expect(status).toBe(503);
    expect(headers['retry-after']).toMatch(/^\d+$/);
    expect(body.error).toEqual({
      code: 'unavailable',
      message: 'Redis is unavailable (Connection is closed.); retry shortly',
      details: undefined,
    });
  });

  it('names what was unavailable', async () => {
    expect(redisUnavailable('ingest queue', new Error('Command timed out')).message).toBe(
      'ingest queue: Redis is unavailable (Command timed out); retry shortly',
    );
    await expect(
      orUnavailable('ingest queue', () => Promise.reject(new Error('Connection is closed.'))),
    ).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/^ingest queue: /) });
    await expect(
      orUnavailable('ingest queue', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
  });
});
