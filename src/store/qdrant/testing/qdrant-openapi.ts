import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Qdrant's OpenAPI 3 document as validators: finds the operation of a method + path in the
 * document's `paths` and checks request bodies, query parameters and responses against the
 * schemas the document gives that operation. Test support only.
 *
 * OpenAPI 3.0 is not JSON Schema, so the document is converted first: `nullable: true` becomes a
 * `null` type (Qdrant writes optional values as `anyOf: [X, {nullable: true}]`, which taken
 * literally would accept anything), `example` is dropped, and the numeric formats (uint, uint64,
 * int64, float...) get validators. Object schemas that list properties and say nothing of other
 * properties are closed (`additionalProperties: false`): a misspelt field fails instead of
 * being silently ignored. That is stricter than the document, never looser.
 */
export interface OpenApiOperation {
  operationId: string;
  method: string;
  template: string;
}

type JsonObject = Record<string, unknown>;

/** The components, added to ajv as one schema whose `definitions` are the component schemas. */
const DOC_ID = 'https://qdrant.openapi.local/components.json';

export class QdrantOpenApi {
  private readonly ajv: Ajv;
  private readonly paths: Array<{
    template: string;
    pattern: RegExp;
    literals: number;
    item: JsonObject;
  }>;
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(document: JsonObject) {
    this.ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    addNumericFormats(this.ajv);
    const components = asObject(document.components, 'components');
    this.ajv.addSchema({
      $id: DOC_ID,
      definitions: convertSchemaMap(asObject(components.schemas, 'schemas')),
    });
    this.paths = Object.entries(asObject(document.paths, 'paths')).map(([template, item]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      item: asObject(item, template),
    }));
  }

  static load(file: string): QdrantOpenApi {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return new QdrantOpenApi(asObject(parsed, 'document'));
  }

  /** The documented operation for a request, preferring the template with most literal parts. */
  operationFor(method: string, path: string): OpenApiOperation | null {
    const m = method.toLowerCase();
    const matches = this.paths
      .filter((p) => p.pattern.test(path) && typeof p.item[m] === 'object')
      .sort((a, b) => b.literals - a.literals);
    const found = matches[0];
    if (!found) return null;
    const op = asObject(found.item[m], `${m} ${found.template}`);
    return { operationId: String(op.operationId), method: m, template: found.template };
  }

  operationById(operationId: string): OpenApiOperation {
    for (const p of this.paths) {
      for (const [method, op] of Object.entries(p.item)) {
        if (
          typeof op === 'object' &&
          op !== null &&
          (op as JsonObject).operationId === operationId
        ) {
          return { operationId, method, template: p.template };
        }
      }
    }
    throw new Error(`no operation ${operationId} in the document`);
  }

  /** Errors of a request body against the operation's requestBody schema ([] when valid). */
  requestBodyErrors(op: OpenApiOperation, body: unknown): string[] {
    const schema = this.operationObject(op).requestBody;
    if (schema === undefined) {
      return body === undefined ? [] : [`${op.operationId} documents no request body`];
    }
    const content = asObject(asObject(schema, 'requestBody').content, 'requestBody.content');
    const json = asObject(content['application/json'], 'application/json');
    if (body === undefined) return [`${op.operationId}: request body missing`];
    return this.validate(`${op.operationId}:request`, json.schema, body);
  }

  /**
   * Query parameters the operation does not document, and values their documented schema
   * refuses (a value reads as a boolean or number where it looks like one) ([] when valid).
   */
  queryParamErrors(op: OpenApiOperation, query: URLSearchParams): string[] {
    const params = this.operationObject(op).parameters;
    const documented = new Map(
      (Array.isArray(params) ? params : [])
        .map((p) => asObject(p, 'parameter'))
        .filter((p) => p.in === 'query')
        .map((p) => [String(p.name), p.schema] as const),
    );
    return [...query.entries()].flatMap(([name, text]) => {
      if (!documented.has(name))
        return [`${op.operationId}: query parameter '${name}' is not documented`];
      const value =
        text === 'true' || text === 'false'
          ? text === 'true'
          : /^-?\d+(\.\d+)?$/.test(text)
            ? Number(text)
            : text;
      return this.validate(`${op.operationId}:query:${name}`, documented.get(name), value);
    });
  }

  /** Errors of a JSON response body against the documented response for that status. */
  responseErrors(op: OpenApiOperation, status: number, body: unknown): string[] {
    const responses = asObject(this.operationObject(op).responses, 'responses');
    const entry =
      responses[String(status)] ??
      (status >= 400 && status < 500 ? responses['4XX'] : undefined) ??
      responses.default;
    if (entry === undefined) return [`${op.operationId}: status ${status} is not documented`];
    const content = asObject(entry, 'response').content;
    if (content === undefined) return [];
    const json = asObject(content, 'content')['application/json'];
    if (json === undefined) return [];
    return this.validate(`${op.operationId}:${status}`, asObject(json, 'json').schema, body);
  }

  /** Errors of a value against a named component schema. */
  componentErrors(name: string, value: unknown): string[] {
    return this.validate(`component:${name}`, { $ref: `#/components/schemas/${name}` }, value);
  }

  private operationObject(op: OpenApiOperation): JsonObject {
    const item = this.paths.find((p) => p.template === op.template)?.item ?? {};
    return asObject(item[op.method], op.operationId);
  }

  private validate(key: string, schema: unknown, value: unknown): string[] {
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(asObject(convertSchema(schema), key));
      this.validators.set(key, validator);
    }
    if (validator(value)) return [];
    return (validator.errors ?? []).map(
      (e: ErrorObject) =>
        `${key}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`OpenAPI document: ${what} is not an object`);
  }
  return value as JsonObject;
}

function convertSchemaMap(map: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, convertSchema(v)]));
}

/** OpenAPI 3.0 schema object -> JSON Schema (draft 7) as described in the class comment. */
function convertSchema(node: unknown): unknown {
  if (typeof node === 'boolean' || typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) return node.map(convertSchema);
  const src = node as JsonObject;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(src)) {
    switch (key) {
      case 'example':
      case 'nullable':
        break;
      case '$ref':
        out.$ref = String(value).replace(/^#\/components\/schemas\//, `${DOC_ID}#/definitions/`);
        break;
      case 'properties':
        out.properties = convertSchemaMap(asObject(value, 'properties'));
        break;
      case 'items':
      case 'additionalProperties':
      case 'not':
        out[key] = convertSchema(value);
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        out[key] = (value as unknown[]).map(convertSchema);
        break;
      default:
        out[key] = value;
    }
  }
  if (out.type === 'object' && out.properties !== undefined && !('additionalProperties' in out)) {
    out.additionalProperties = false;
  }
  if (src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else if (out.$ref === undefined && out.anyOf === undefined && out.oneOf === undefined) {
      out.type = 'null';
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

function addNumericFormats(ajv: Ajv): void {
  const integerIn = (min: number, max: number) => (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('uint', { type: 'number', validate: integerIn(0, Number.MAX_SAFE_INTEGER) });
  ajv.addFormat('uint64', { type: 'number', validate: integerIn(0, Number.MAX_SAFE_INTEGER) });
  ajv.addFormat('uint32', { type: 'number', validate: integerIn(0, 2 ** 32 - 1) });
  ajv.addFormat('uint8', { type: 'number', validate: integerIn(0, 255) });
  ajv.addFormat('int64', {
    type: 'number',
    validate: integerIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  });
  ajv.addFormat('partial-date-time', true);
  ajv.addFormat('binary', true);
}
