/**
 * Unit tests sit beside the code (*.spec.ts: no Redis, no model); beside them too, the
 * integration specs that need Redis or the embedding model (*.int-spec.ts); end-to-end tests
 * against real Redis, model and store in test/ (*.e2e-spec.ts). `npm run test:unit` runs the
 * unit tests alone.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/bench', '<rootDir>/load/src'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // content-disposition 3 (used by @fastify/static) ships ESM only; Node 20.19+ loads it with
    // require(esm), jest's module loader does not, so it is compiled to CommonJS for tests.
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  maxWorkers: 2,
};
