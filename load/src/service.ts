import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropPrefix } from '../../src/redis/testing/drop-prefix';
import { RaglineClient } from '../../src/client';
import { onExit } from './cleanup';

export interface LoadServiceOptions {
  /** The run's folder: the data folder and service.log go there. */
  runDir: string;
  label: string;
  /** Extra environment for the service (e.g. RAGLINE_SEARCH_BATCH_MAX=1). */
  env?: Record<string, string>;
  keepData?: boolean;
}

const MAIN = resolve(__dirname, '..', '..', 'src', 'main.js');
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 45_000;

/**
 * The service as a separate OS process (node dist/src/main.js, as deployed), on a free port,
 * a fresh data folder and its own Redis key prefix; stopped and cleaned up however the run ends.
 */
export class LoadService {
  readonly client: RaglineClient;
  private stopping?: Promise<void>;

  private constructor(
    readonly url: string,
    readonly prefix: string,
    readonly dataDir: string,
    readonly redisUrl: string,
    private readonly child: ChildProcess,
    private readonly keepData: boolean,
  ) {
    this.client = new RaglineClient({ baseUrl: url, retry: { maxRetries: 10 } });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(options: LoadServiceOptions): Promise<LoadService> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    const port = await freePort();
    const prefix = `load-${options.label}-${randomBytes(3).toString('hex')}`;
    const dataDir = join(options.runDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const log = createWriteStream(join(options.runDir, 'service.log'), { flags: 'a' });
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        REDIS_URL: redisUrl,
        RAGLINE_DATA_DIR: dataDir,
        RAGLINE_QUEUE_PREFIX: prefix,
        RAGLINE_API_KEYS: '',
        RAGLINE_LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Both streams write into one file: neither may end it while the other still writes.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    const service = new LoadService(
      `http://127.0.0.1:${port}`,
      prefix,
      dataDir,
      redisUrl,
      child,
      options.keepData ?? false,
    );
    onExit('service', () => service.stop());
    await service.waitReady();
    return service;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`the service exited with code ${this.child.exitCode}: see service.log`);
      }
      const ok = await fetch(`${this.url}/v1/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the service was not ready after ${READY_TIMEOUT_MS / 1000} s`);
  }

  /** SIGTERM (the service drains its workers), SIGKILL if it hangs; then Redis keys and data. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        const exited = new Promise((r) => this.child.once('exit', r));
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await dropPrefix(this.prefix, this.redisUrl);
      if (!this.keepData) rmSync(this.dataDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
