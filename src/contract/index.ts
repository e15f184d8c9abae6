/**
 * The wire contract of the ragline HTTP API v1 (docs/API.md): zod schemas of every request
 * and response body, and their TypeScript types. The server validates requests and types its
 * answers with them, OpenAPI is generated from them, and the client and CLI use their types.
 */
export * from './collections';
export * from './documents';
export * from './errors';
export * from './filter';
export * from './health';
export * from './jobs';
export * from './search';
export * from './sources';
export * from './tuning';
