import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A free TCP port: listen on port 0, read the port the kernel chose, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own (for fault tests that kill it: never the shared 6379), with
 * AOF on and a temporary data folder, restartable on the same port and folder.
 */
export class PrivateRedis {
  private child?: ChildProcess;
  private log = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'ragline-redis-')));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log;
  }

  /** Starts (again) on the same port and folder, and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (!(await this.ping())) {
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Drops the connections whose CLIENT LIST fields match (a fault on one connection while Redis
   * stays up); returns how many.
   */
  async killConnections(match: (fields: Record<string, string>) => boolean): Promise<number> {
    const admin = new Redis(this.url, {
      connectionName: 'private-redis-admin',
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    admin.on('error', () => undefined);
    try {
      const list = (await admin.client('LIST')) as string;
      const clients = list
        .split('\n')
        .filter(Boolean)
        .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2))));
      const victims = clients.filter((c) => c.name !== 'private-redis-admin' && match(c));
      for (const c of victims) await admin.client('KILL', 'ID', c.id);
      return victims.length;
    } finally {
      admin.disconnect();
    }
  }

  /** One PING over a plain socket (a client library would keep retry timers of its own). */
  private ping(): Promise<boolean> {
    if (!this.running) return Promise.reject(new Error(`redis-server exited:\n${this.log}`));
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      let reply = '';
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1000, () => done(false));
      socket.on('error', () => done(false));
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (d: Buffer) => {
        reply += d.toString();
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered until resume(). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL is a crash (AOF as last written); SIGTERM a clean shutdown (AOF flushed). */
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Stops the server and removes its folder. */
  async destroy(): Promise<void> {
    this.resume();
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
