import { CircuitOpenError } from '../resilience/circuit-breaker';
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
