import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { ApiError } from './api-error';
import { jsonShapeProblem, MAX_BODY_DEPTH } from './json-shape';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** Refuses malformed UTF-8 instead of turning it into U+FFFD (JSON text is UTF-8: RFC 8259). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The only body parser: JSON, parsed without ever creating `__proto__` or
 * `constructor.prototype` keys, with a reason a client can act on. Any other content type
 * answers 415 (Fastify's own "unsupported media type", worded by the error handler).
 */
export function installJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_TYPE,
    { parseAs: 'buffer', bodyLimit },
    (_request, body, done) => {
      let text: string;
      try {
        text = typeof body === 'string' ? body : utf8.decode(body);
      } catch {
        return done(new ApiError(400, 'invalid_encoding', 'body is not valid UTF-8'), undefined);
      }
      if (text.trim() === '') return done(null, undefined);
      let parsed: unknown;
      try {
        parsed = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch (err) {
        const message = (err as Error).message;
        const reason = /prototype/i.test(message)
          ? "body: keys named '__proto__' or 'constructor.prototype' are not allowed"
          : `body is not valid JSON: ${message.slice(0, 200)}`;
        return done(new ApiError(400, 'invalid_json', reason), undefined);
      }
      // Before any recursive code (validation, JSON.stringify, the stores) sees the value.
      const shape = jsonShapeProblem(parsed, { maxDepth: MAX_BODY_DEPTH });
      if (shape) return done(ApiError.badRequest(shape), undefined);
      done(null, parsed);
    },
  );
}
