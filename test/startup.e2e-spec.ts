import { rmSync } from 'node:fs';
import { dropPrefix, tempDataDir, uniquePrefix } from './support/app-harness';
import { spawnService, waitFor } from './support/processes';

function exitOf(service: ReturnType<typeof spawnService>): Promise<number | null> {
  return new Promise((resolve) => service.child.once('exit', (code) => resolve(code)));
}

describe('starting the service (real process)', () => {
  it('says plainly when Redis is unreachable, and how to start one, without a stack trace', async () => {
    const service = spawnService({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await exitOf(service)).toBe(1);
    const output = service.output();
    expect(output).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(output).toMatch(/redis-server/);
    expect(output).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });

  it('stops at a bad setting with the key and what is allowed', async () => {
    const service = spawnService({ RAGLINE_ROLE: 'boss' });
    expect(await exitOf(service)).toBe(1);
    expect(service.output()).toMatch(
      /Invalid configuration:[\s\S]*RAGLINE_ROLE: .*'api' \| 'worker' \| 'all'/,
    );
  });

  it('prints where it listens and the effective configuration with secrets hidden', async () => {
    const prefix = uniquePrefix('start');
    const dataDir = tempDataDir('start');
    const service = spawnService({
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_DATA_DIR: dataDir,
      RAGLINE_LOG_LEVEL: 'log',
      RAGLINE_EMBED_POOL_SIZE: '1',
      QDRANT_API_KEY: 'do-not-print-me',
    });
    try {
      await waitFor(
        async () => /listening on http/.test(service.output()),
        'the listening line',
        60_000,
      );
      const output = service.output();
      expect(output).toMatch(/role 'all' listening on http:\/\/127\.0\.0\.1:\d+/);
      expect(output).toMatch(/effective configuration: \{.*"store":\{"kind":"lancedb"/);
      expect(output).not.toMatch(/do-not-print-me/);
      expect(output).toMatch(/API is open/);
    } finally {
      await service.kill('SIGTERM');
      await dropPrefix(prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
