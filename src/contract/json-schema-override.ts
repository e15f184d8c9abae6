import type { ZodType } from 'zod';

/**
 * JSON Schemas that document a zod schema whose validation is code (a transform or a custom
 * check) and so has no shape zod could describe: the OpenAPI generator uses these instead.
 */
const documented = new WeakMap<object, Record<string, unknown>>();

/** Documents `schema` with `jsonSchema` in the generated OpenAPI; returns the schema itself. */
export function describedAs<T extends ZodType>(schema: T, jsonSchema: Record<string, unknown>): T {
  documented.set(schema._def as object, jsonSchema);
  return schema;
}

/** The JSON Schema registered for a zod schema's definition, if any. */
export function documentedJsonSchema(def: unknown): Record<string, unknown> | undefined {
  return typeof def === 'object' && def !== null ? documented.get(def) : undefined;
}
