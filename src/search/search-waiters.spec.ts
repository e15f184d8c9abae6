import { CircuitOpenError } from '../resilience/circuit-breaker';
import { searchFailure } from './search-waiters';

describe('searchFailure (a failed search job, as the API answers it)', () => {
  it('answers an open circuit 503 with Retry-After, without the internal error', () => {
    const reason = new CircuitOpenError(
      'store-read',
      4200,
      'LanceError(IO): Object at location /data/x.lance not found',
    ).message;
    const answer = searchFailure(reason);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.message).toBe('store-read is unavailable (circuit open); retry in 5 s');
  });

  it('answers a missing collection 404, but a missing data file 503', () => {
    expect(searchFailure("collection 'gone' does not exist").status).toBe(404);
    expect(
      searchFailure("Qdrant search failed (HTTP 404): Not found: Collection `gone` doesn't exist!")
        .status,
    ).toBe(404);
    for (const io of [
      'lance error: LanceError(IO): Object at location /d/c.lance/data/1.lance not found: No such file or directory (os error 2)',
      'Failed to get next batch from stream: lance error: Not found: d/c.lance/data/1.lance, local.rs:133:40 not found',
    ]) {
      expect(searchFailure(io).status).toBe(503);
    }
  });
});
