import { ZodType } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI schema of a zod schema, so the docs and the validation share one definition. */
export function openApiSchema(schema: ZodType): JsonSchema {
  // Called through a plain signature: zodToJsonSchema's generics recurse too deeply for tsc here.
  const convert = zodToJsonSchema as (schema: unknown, options: Record<string, unknown>) => unknown;
  const json = convert(schema, { target: 'openApi3', $refStrategy: 'none' }) as JsonSchema;
  delete json.$schema;
  return json;
}

export const errorResponseSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {},
      },
    },
  },
};

/** Redis (the queues and catalog) or the store cannot be reached: retry after `Retry-After`. */
export const UNAVAILABLE_RESPONSE = {
  status: 503,
  description: 'Redis or the store is unavailable; retry after the Retry-After header',
  headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
  schema: errorResponseSchema,
};
