import { ApiError } from '../common/api-error';
import { publicText } from '../common/public-text';

/**
 * What ioredis and BullMQ throw when Redis cannot take a command: the connection is down or
 * closed (fail-fast connections refuse at once), the reply did not come in time, the retries
 * ran out, or the server is up but cannot serve yet (loading its AOF, refusing writes).
 */
const UNAVAILABLE =
  /Stream isn't writeable|enableOfflineQueue|Connection is closed|max retries per request|Command timed out|^LOADING\b|^MISCONF\b|^READONLY\b|^MASTERDOWN\b|^BUSY\b/i;

export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof ApiError) return false;
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return UNAVAILABLE.test(message);
}

/** A 503 with Retry-After that names what could not be reached and why. */
export function redisUnavailable(what: string | undefined, err: unknown): ApiError {
  const raw = (err instanceof Error ? err.message : String(err)).slice(0, 200);
  // The client library's own wording stays in the log (the error filter writes it there).
  const reason = publicText(raw, '');
  const message = `Redis is unavailable${reason ? ` (${reason})` : ''}; retry shortly`;
  const error = ApiError.unavailable(what ? `${what}: ${message}` : message);
  error.cause = err;
  return error;
}

/** Rethrows Redis outages as 503 naming `what`; any other error unchanged. */
export async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isRedisUnavailable(err) ? redisUnavailable(what, err) : err;
  }
}
