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

  it('reads a Redis Cluster URL and the distributed Qdrant settings, refusing impossible ones', () => {
    expect(loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' }).redisUrl).toBe(
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://a:1,b:2' })).toThrow(/REDIS_URL: .*cluster/);
    expect(loadConfig({}).store.qdrantDistribution).toEqual({});
    expect(
      loadConfig({
        RAGLINE_QDRANT_SHARDS: '6',
        RAGLINE_QDRANT_REPLICATION_FACTOR: '2',
        RAGLINE_QDRANT_WRITE_CONSISTENCY: '2',
        RAGLINE_QDRANT_READ_CONSISTENCY: 'majority',
      }).store.qdrantDistribution,
    ).toEqual({
      shards: 6,
      replicationFactor: 2,
      writeConsistencyFactor: 2,
      readConsistency: 'majority',
    });
    expect(
      loadConfig({ RAGLINE_QDRANT_READ_CONSISTENCY: '2' }).store.qdrantDistribution.readConsistency,
    ).toBe(2);
    expect(() => loadConfig({ RAGLINE_QDRANT_READ_CONSISTENCY: 'most' })).toThrow(
      /RAGLINE_QDRANT_READ_CONSISTENCY: expected a positive integer, 'majority', 'quorum' or 'all'/,
    );
    expect(() => loadConfig({ RAGLINE_QDRANT_WRITE_CONSISTENCY: '2' })).toThrow(
      /RAGLINE_QDRANT_WRITE_CONSISTENCY: must not exceed RAGLINE_QDRANT_REPLICATION_FACTOR/,
    );
  });

  it('reads the fetch allowlist and refuses an entry that is not a host, IP or CIDR', () => {
    expect(
      loadConfig({ RAGLINE_FETCH_ALLOW: '127.0.0.1/32, docs.internal ,' }).fetch,
    ).toMatchObject({
      allow: ['127.0.0.1/32', 'docs.internal'],
      hostConcurrency: 2,
    });
    expect(() => loadConfig({ RAGLINE_FETCH_ALLOW: '10.0.0.0/40' })).toThrow(
      /RAGLINE_FETCH_ALLOW: '10\.0\.0\.0\/40' is not a valid CIDR/,
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
