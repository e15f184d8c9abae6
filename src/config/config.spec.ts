import { ConfigError, loadConfig, redactedConfig } from './config';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6379',
      role: 'all',
      prefix: 'ragline',
      store: { kind: 'lancedb', lancedbIndexThreshold: 1000 },
      embedder: { defaultId: 'use-lite' },
    });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('names the key and what is allowed when a value is bad', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(
      /PORT: expected an integer from 0 to 65535 \(got "eighty"\)/,
    );
    expect(() => loadConfig({ RAGLINE_ROLE: 'boss' })).toThrow(
      /RAGLINE_ROLE: .*'api' \| 'worker' \| 'all'/,
    );
    expect(() => loadConfig({ RAGLINE_STORE: 'qdrant' })).toThrow(/QDRANT_URL: required/);
    expect(() => loadConfig({ RAGLINE_LANCEDB_INDEX_THRESHOLD: '0' })).toThrow(
      /RAGLINE_LANCEDB_INDEX_THRESHOLD: expected an integer from 1 to 1000000000/,
    );
    expect(() => loadConfig({ RAGLINE_API_KEYS: 'ops:root:abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ RAGLINE_ADMIN_POLL_MS: '50' })).toThrow(
      /RAGLINE_ADMIN_POLL_MS: expected an integer from 1000 to 900000/,
    );
    expect(() => loadConfig({ RAGLINE_ADMIN_READ_ONLY: 'maybe' })).toThrow(
      /RAGLINE_ADMIN_READ_ONLY/,
    );
  });

  it('reads the reliability settings: rate limits, bodies by reference, circuit breakers', () => {
    const defaults = loadConfig({});
    expect(defaults.rateLimit).toEqual({ windowSeconds: 1, search: 1000, ingest: 100, admin: 50 });
    expect(defaults.ingest.bodyByReferenceBytes).toBe(16 * 1024);
    expect(defaults.breaker).toEqual({
      failures: 5,
      failureRate: 0.5,
      windowMs: 30_000,
      cooldownMs: 10_000,
      trialCalls: 1,
    });
    const tuned = loadConfig({
      RAGLINE_RATE_LIMIT_SEARCH: '0',
      RAGLINE_RATE_LIMIT_WINDOW_SECONDS: '60',
      RAGLINE_BREAKER_FAILURES: '0',
    });
    expect(tuned.rateLimit).toMatchObject({ search: 0, windowSeconds: 60 });
    expect(tuned.breaker.failures).toBe(0);
    expect(() => loadConfig({ RAGLINE_BREAKER_FAILURE_RATE: '1.5' })).toThrow(
      /RAGLINE_BREAKER_FAILURE_RATE: expected a number from 0 to 1/,
    );
    expect(() => loadConfig({ RAGLINE_RATE_LIMIT_WINDOW_SECONDS: '0' })).toThrow(
      /RAGLINE_RATE_LIMIT_WINDOW_SECONDS/,
    );
  });

  it('refuses an open API beyond loopback, but lets a worker serve its metrics', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(
      /RAGLINE_API_KEYS: required when HOST is not loopback/,
    );
    expect(loadConfig({ HOST: '0.0.0.0', RAGLINE_ROLE: 'worker' }).role).toBe('worker');
    const key = `ops:admin:${'a'.repeat(64)}`;
    expect(loadConfig({ HOST: '0.0.0.0', RAGLINE_API_KEYS: key }).apiKeys).toBe(key);
  });

  it('opens the API only on a loopback address or exactly localhost, never a look-alike name', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', '0:0:0:0:0:0:0:1', 'localhost']) {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    }
    for (const host of [
      '127.example.com',
      '127.0.0.1.nip.io',
      '1270.0.0.1',
      'localhost.evil',
      '::2',
    ]) {
      expect(() => loadConfig({ HOST: host })).toThrow(/RAGLINE_API_KEYS: required when HOST/);
    }
  });

  it('lets the environment override the optional file, and role overrides win', () => {
    expect(loadConfig({ PORT: '4000' }, { RAGLINE_ROLE: 'api' })).toMatchObject({
      port: 4000,
      role: 'api',
    });
  });

  it('hides secrets in the start-up summary', () => {
    const shown = JSON.stringify(
      redactedConfig(
        loadConfig({
          REDIS_URL: 'redis://user:hunter2@example:6379',
          RAGLINE_STORE: 'qdrant',
          QDRANT_URL: 'http://q:6333',
          QDRANT_API_KEY: 'sekret',
        }),
      ),
    );
    expect(shown).not.toMatch(/hunter2|sekret/);
  });
});
