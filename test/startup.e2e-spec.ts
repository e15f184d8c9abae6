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

  /** Starts the service with `env`, waits for its summary, hands over the output, cleans up. */
  async function startedOutput(env: Record<string, string>): Promise<string> {
    const prefix = uniquePrefix('start');
    const dataDir = tempDataDir('start');
    const service = spawnService({
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_DATA_DIR: dataDir,
      RAGLINE_EMBED_POOL_SIZE: '1',
      QDRANT_API_KEY: 'do-not-print-me',
      ...env,
    });
    try {
      await waitFor(async () => /auth: /.test(service.output()), 'the start-up summary', 60_000);
      return service.output();
    } finally {
      await service.kill('SIGTERM');
      await dropPrefix(prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('prints a short summary of where it listens and what it uses, and warns of misspelt settings', async () => {
    const output = await startedOutput({
      RAGLINE_LOG_LEVEL: 'log',
      RAGLINE_SERCH_CONCURRENCY: '4',
      RAGLINE_TOTALLY_UNKNOWN_THING: '1',
    });
    const lines = output.trim().split('\n');
    const listening = lines.findIndex((l) =>
      /listening on http:\/\/127\.0\.0\.1:\d+ as role 'all'/.test(l),
    );
    expect(listening).toBeGreaterThanOrEqual(0);
    // Nest's module and route lines are at debug level: the summary comes within a few lines.
    expect(listening).toBeLessThan(6);
    expect(output).not.toMatch(/Mapped \{|dependencies initialized|effective configuration/);
    expect(output).toMatch(/store: lancedb in \//);
    expect(output).toMatch(/embedder: use-lite, 1 model thread/);
    expect(output).toMatch(/redis: redis:\/\/127\.0\.0\.1:6379, key prefix 't-start-/);
    expect(output).toMatch(/auth: open: no API keys/);
    expect(output).toMatch(/API is open/);
    expect(output).toMatch(
      /RAGLINE_SERCH_CONCURRENCY \(environment\) is not a ragline setting and is ignored: did you mean RAGLINE_SEARCH_CONCURRENCY\?/,
    );
    expect(output).toMatch(
      /RAGLINE_TOTALLY_UNKNOWN_THING \(environment\) is not a ragline setting and is ignored \(see/,
    );
    expect(lines.every((l) => l.length < 400)).toBe(true);
    expect(output).not.toMatch(/do-not-print-me/);
  });

  it('logs the routes and the full configuration, secrets hidden, at debug level', async () => {
    const output = await startedOutput({ RAGLINE_LOG_LEVEL: 'debug' });
    expect(output).toMatch(/Mapped \{\/v1\/collections\/:name\/search, POST\} route/);
    expect(output).toMatch(/effective configuration: \{\n\s+"port": 0,[\s\S]*"kind": "lancedb"/);
    expect(output).toMatch(/"qdrantApiKey": "\*\*\*"/);
    expect(output).not.toMatch(/do-not-print-me/);
  });
});
