import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { errorBodySchema } from '../contract/errors';
import { describeZodError } from './validation';
import { RESPONSE_CONTRACT, ResponseContract } from './openapi';

/** What a route answered that its contract does not allow. */
export interface ResponseViolation {
  method: string;
  /** The route's pattern, e.g. `/v1/collections/:name`, or the path when no route matched. */
  route: string;
  status: number;
  problem: string;
}

export interface AnswerToCheck {
  path: string;
  /** The matched route's pattern and its success schemas (none when no route matched). */
  route?: string;
  contract?: ResponseContract;
  status: number;
  contentType: string;
  payload: unknown;
}

function bodyText(payload: unknown): string | undefined {
  if (payload === undefined || payload === null) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined; // a stream: not checked
}

/**
 * Why an answer breaks the API contract, or undefined when it keeps it: a success status the
 * route does not declare, a body its schema rejects, or an error outside the error envelope.
 * Only `/v1` routes are checked (the admin pages, /docs and /metrics are not the API).
 */
export function contractProblem(answer: AnswerToCheck): string | undefined {
  if (!answer.path.startsWith('/v1/')) return undefined;
  const text = bodyText(answer.payload);
  if (text === undefined) return undefined;
  const isJson = /^application\/json\b/i.test(answer.contentType);
  if (answer.status >= 400) {
    if (!isJson) return `an error answered as '${answer.contentType}', not the JSON error envelope`;
    return schemaProblem(errorBodySchema, text);
  }
  if (answer.status < 200 || answer.status >= 300) return undefined;
  if (!answer.contract) return 'the route declares no response schemas (@ApiContract)';
  const schema = answer.contract[answer.status];
  if (schema === undefined) return `the route does not declare status ${answer.status}`;
  if (schema === null) return text === '' ? undefined : `status ${answer.status} must have no body`;
  if (!isJson) return `answered '${answer.contentType}' instead of JSON`;
  return schemaProblem(schema, text);
}

function schemaProblem(schema: ZodType, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  const result = schema.safeParse(body);
  return result.success ? undefined : describeZodError(result.error, 'body');
}

const violationsOf = new WeakMap<object, ResponseViolation[]>();

/** The violations an app with the response check has seen since they were last taken. */
export function takeResponseViolations(app: NestFastifyApplication): ResponseViolation[] {
  const violations = violationsOf.get(app);
  return violations ? violations.splice(0) : [];
}

/**
 * Checks every answer against the route's contract before it is sent (RAGLINE_CHECK_RESPONSES).
 * One that breaks it is logged, remembered, and replaced by a 500: a test that reads the answer
 * fails, and so does its harness when the app closes.
 */
export function installResponseCheck(app: NestFastifyApplication): void {
  const logger = new Logger('ResponseCheck');
  const violations: ResponseViolation[] = [];
  violationsOf.set(app, violations);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook(
    'onSend',
    async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
      if (request.method === 'HEAD') return payload;
      const route = request.routeOptions.url;
      const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
      const problem = contractProblem({
        path: request.url.split('?')[0],
        route,
        contract: config?.[RESPONSE_CONTRACT] as ResponseContract | undefined,
        status: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        payload,
      });
      if (problem === undefined) return payload;
      const violation: ResponseViolation = {
        method: request.method,
        route: route ?? request.url.split('?')[0],
        status: reply.statusCode,
        problem,
      };
      violations.push(violation);
      const message = `${violation.method} ${violation.route} answered ${violation.status} against its contract: ${problem}`;
      logger.error(message);
      void reply.code(500).type('application/json; charset=utf-8');
      reply.removeHeader('content-length');
      return JSON.stringify({ error: { code: 'response_contract_violation', message } });
    },
  );
}
