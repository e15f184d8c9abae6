import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiBody, ApiResponse } from '@nestjs/swagger';
import { ZodType } from 'zod';
import { ignoreOverride, zodToJsonSchema } from 'zod-to-json-schema';
import { errorBodySchema } from '../contract/errors';
import { FILTER_COMPONENT_SCHEMAS } from '../contract/filter';
import { documentedJsonSchema } from '../contract/json-schema-override';

type JsonSchema = Record<string, unknown>;

/** The name of the API-key security scheme in the OpenAPI document. */
export const API_KEY_SCHEME = 'api-key';

/** The OpenAPI schema of a zod schema, so the docs and the validation share one definition. */
export function openApiSchema(schema: ZodType): JsonSchema {
  // Called through a plain signature: zodToJsonSchema's generics recurse too deeply for tsc here.
  const convert = zodToJsonSchema as (schema: unknown, options: Record<string, unknown>) => unknown;
  const json = convert(schema, {
    target: 'openApi3',
    $refStrategy: 'none',
    // Schemas whose validation is code (the filter) carry their own JSON Schema.
    override: (def: unknown) => documentedJsonSchema(def) ?? ignoreOverride,
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Schemas the operations refer to by name: the error envelope, the (recursive) filter language. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  ErrorBody: openApiSchema(errorBodySchema),
  ...FILTER_COMPONENT_SCHEMAS,
};

export const errorResponseSchema: JsonSchema = { $ref: '#/components/schemas/ErrorBody' };

const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } },
};

/** Redis (the queues and catalog) or the store cannot be reached: retry after `Retry-After`. */
export const UNAVAILABLE_RESPONSE = {
  status: 503,
  description: 'Redis or the store is unavailable; retry after the Retry-After header',
  headers: RETRY_AFTER,
  schema: errorResponseSchema,
};

/** Where the response schemas of a route are kept in its Fastify route config. */
export const RESPONSE_CONTRACT = 'responseContract';

/** A route's success answers by status: the body's schema, or null for no body (204). */
export type ResponseContract = Record<number, ZodType | null>;

export interface RouteContract {
  /** The request body's schema. */
  body?: ZodType;
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  responses: ResponseContract;
  /** What the success answers mean, by status (default: the status's name). */
  descriptions?: Record<number, string>;
  /** Errors this route answers besides the ones every route may (401, 403, 429, 500, 503). */
  errors?: Record<number, string>;
  /** Needs no key (health): no security requirement, no 401/403/429. */
  public?: boolean;
}

const STATUS_NAMES: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
};

const KEYED_ERRORS: Record<number, string> = {
  401: 'no API key, or one that is not valid (when keys are configured)',
  403: 'the key lacks the scope this route needs',
  429: 'rate limited: retry after the Retry-After header',
};

/**
 * A route's place in the contract: its request body and success bodies (zod schemas from
 * src/contract) become its OpenAPI operation, with the error envelope for every error status
 * and the API-key bearer scheme; the success schemas also go into the Fastify route config,
 * where the response check (RAGLINE_CHECK_RESPONSES) finds them.
 */
export function ApiContract(contract: RouteContract): MethodDecorator {
  const decorators: MethodDecorator[] = [RouteConfig({ [RESPONSE_CONTRACT]: contract.responses })];
  if (contract.body) {
    decorators.push(
      ApiBody({ schema: openApiSchema(contract.body), required: !contract.bodyOptional }),
    );
  }
  for (const [status, schema] of Object.entries(contract.responses)) {
    const code = Number(status);
    decorators.push(
      ApiResponse({
        status: code,
        description: contract.descriptions?.[code] ?? STATUS_NAMES[code] ?? 'success',
        ...(schema ? { schema: openApiSchema(schema) } : {}),
      }),
    );
  }
  const errors: Record<number, string> = {
    ...(contract.public ? {} : KEYED_ERRORS),
    500: 'an internal error (the details are in the service log)',
    ...contract.errors,
  };
  for (const [status, description] of Object.entries(errors)) {
    const code = Number(status);
    decorators.push(
      code === 503
        ? ApiResponse({ ...UNAVAILABLE_RESPONSE, description })
        : ApiResponse({
            status: code,
            description,
            schema: errorResponseSchema,
            ...(code === 429 ? { headers: RETRY_AFTER } : {}),
          }),
    );
  }
  if (!errors[503]) decorators.push(ApiResponse(UNAVAILABLE_RESPONSE));
  if (!contract.public) decorators.push(ApiBearerAuth(API_KEY_SCHEME));
  return applyDecorators(...decorators);
}
