import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  circuitOpenAnswer,
  isCircuitOpenError,
  parseCircuitOpenReason,
} from '../resilience/circuit-breaker';
import { isRedisUnavailable, redisUnavailable } from '../redis/redis-errors';
import { ApiError, ErrorBody } from '../common/api-error';
import { publicDetails, publicText, revealsInternals } from '../common/public-text';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const FASTIFY_CODES: Record<string, { code: string; message: (e: FastifyLikeError) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large',
    message: () => 'request body is larger than the limit (RAGLINE_MAX_BODY_BYTES)',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: () => 'send the body as JSON with content-type: application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'invalid_json',
    message: () => 'body is empty but content-type is JSON',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_request',
    message: () => 'content-length does not match the body',
  },
};

/** Errors Fastify raises before a route runs, which reach the filter as plain HttpExceptions. */
const HTTP_STATUS_ERRORS: Record<number, { code: string; message?: string }> = {
  // Fastify's own wording echoes the path ("Cannot PUT /v1/..."): a fixed sentence instead.
  404: { code: 'not_found', message: 'no such route: check the method and the path' },
  405: { code: 'method_not_allowed' },
  413: {
    code: 'payload_too_large',
    message: 'request body is larger than the limit (RAGLINE_MAX_BODY_BYTES)',
  },
  415: {
    code: 'unsupported_media_type',
    message: 'send the body as JSON with content-type: application/json',
  },
};

/** A dependency (the store, an embedding server) that cannot be reached: 503, not 500. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** The message as thrown, when it revealed internals and the caller got a plain one. */
  withheld?: string;
}

/**
 * Turns anything thrown into docs/API.md's `{ error: { code, message, details? } }`, never a stack
 * trace, and never internals (paths, driver text) in the message or the details.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  const response = classify(err);
  const { message, details } = response.body.error;
  const withheld = revealsInternals(message) ? message : undefined;
  const error: ErrorBody['error'] = {
    code: response.body.error.code,
    message: withheld ? plainMessageFor(response.status) : publicText(message, ''),
  };
  if (details !== undefined) error.details = publicDetails(details);
  return { ...response, body: { error }, ...(withheld ? { withheld } : {}) };
}

function plainMessageFor(status: number): string {
  if (status === 503)
    return 'a backing service is unavailable; retry shortly (the reason is in the service log)';
  if (status >= 500)
    return 'the service failed to answer; retry shortly (the reason is in the service log)';
  return 'the request was refused (the reason is in the service log)';
}

function classify(err: unknown): ErrorResponse {
  if (isCircuitOpenError(err)) {
    const open = parseCircuitOpenReason(err.message);
    return classify(
      circuitOpenAnswer(open?.dependency ?? 'a dependency', open?.retryAfterSeconds ?? 5),
    );
  }
  if (isRedisUnavailable(err)) return classify(redisUnavailable(undefined, err));
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, details: err.details } },
      headers: err.headers,
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? String((response as { message: string }).message)
          : err.message;
    const known = HTTP_STATUS_ERRORS[status];
    return {
      status,
      body: { error: { code: known?.code ?? 'http_error', message: known?.message ?? message } },
      headers: {},
    };
  }
  const e = (err ?? {}) as FastifyLikeError;
  if (typeof e.code === 'string' && e.code in FASTIFY_CODES) {
    const known = FASTIFY_CODES[e.code];
    return {
      status: e.statusCode ?? 400,
      body: { error: { code: known.code, message: known.message(e) } },
      headers: {},
    };
  }
  if (err instanceof SyntaxError || e.code?.startsWith('FST_ERR_CTP')) {
    return {
      status: e.statusCode && e.statusCode < 500 ? e.statusCode : 400,
      body: {
        error: {
          code: 'invalid_json',
          message: `body is not valid JSON: ${String(e.message ?? '').slice(0, 200)}`,
        },
      },
      headers: {},
    };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      body: {
        error: {
          code: 'invalid_request',
          message: String(e.message ?? 'bad request').slice(0, 300),
        },
      },
      headers: {},
    };
  }
  if (typeof e.code === 'string' && NETWORK_ERRORS.has(e.code)) {
    return classify(ApiError.unavailable('a backing service is unreachable; retry shortly'));
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error' } },
    headers: {},
  };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers, withheld } = toErrorResponse(exception);
    const deliberate =
      status === 503 || exception instanceof ApiError || isCircuitOpenError(exception);
    if (status >= 500 && deliberate) {
      // A deliberate answer (unavailable, timed out): one line, no stack, however many arrive.
      const cause = exception instanceof Error && exception.cause instanceof Error;
      this.logger.warn(
        `${status} ${withheld ?? body.error.message}${cause ? ` (${(exception.cause as Error).message})` : ''}`,
      );
    } else if (withheld) {
      this.logger.warn(`${status} ${withheld}`);
    } else if (status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    void reply.status(status).headers(headers).send(body);
  }
}
