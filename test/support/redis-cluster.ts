import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './processes';

interface Node {
  port: number;
  child: ChildProcess;
}

/**
 * A Redis Cluster of the test's own on loopback: `masters` masters with one replica each,
 * every node a redis-server child process (no persistence) in a folder of a temporary dir.
 */
export class LocalRedisCluster {
  private constructor(
    private readonly nodes: Node[],
    private readonly dir: string,
  ) {}

  static available(): boolean {
    return ['redis-server', 'redis-cli'].every(
      (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0,
    );
  }

  static async start(masters = 3): Promise<LocalRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'ragline-cluster-'));
    const nodes: Node[] = [];
    const cluster = new LocalRedisCluster(nodes, dir);
    try {
      for (let i = 0; i < masters * 2; i++) {
        const port = await freePort();
        const nodeDir = join(dir, String(port));
        mkdirSync(nodeDir);
        const child = spawn(
          'redis-server',
          [
            ...['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir],
            ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
            ...['--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no'],
            ...['--daemonize', 'no'],
          ],
          { stdio: 'ignore' },
        );
        nodes.push({ port, child });
      }
      for (const node of nodes) {
        await waitFor(
          async () => cluster.cli(node.port, 'PING') === 'PONG',
          'a cluster node',
          10_000,
        );
      }
      const create = spawnSync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((n) => `127.0.0.1:${n.port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create: ${create.stdout}`);
      await cluster.waitHealthy();
      return cluster;
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
  }

  /** `redis+cluster://` with every node as a seed. */
  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  /** One redis-cli command against one node; its trimmed output. */
  cli(port: number, ...args: string[]): string {
    const result = spawnSync('redis-cli', ['-p', String(port), ...args], {
      encoding: 'utf8',
      timeout: 5000,
    });
    return (result.stdout ?? '').trim();
  }

  /** Ports of the nodes that are masters now, and of their replicas. */
  roles(): { masters: number[]; replicas: number[] } {
    const masters: number[] = [];
    const replicas: number[] = [];
    for (const node of this.nodes) {
      const role = this.cli(node.port, 'ROLE').split('\n')[0];
      if (role === 'master') masters.push(node.port);
      else if (role === 'slave') replicas.push(node.port);
    }
    return { masters, replicas };
  }

  /** Waits until every node reports cluster_state:ok and all slots are served. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () =>
        this.nodes.every((n) => {
          const info = this.cli(n.port, 'CLUSTER', 'INFO');
          return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info);
        }),
      'the Redis Cluster to be healthy',
      timeoutMs,
      200,
    );
  }

  /** The port of the master serving `slot` now. */
  masterOf(slot: number): number {
    const nodes = this.cli(this.nodes[0].port, 'CLUSTER', 'NODES').split('\n');
    for (const line of nodes) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags?.includes('master')) continue;
      const serves = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      });
      if (serves) return Number(address.split(':')[1].split('@')[0]);
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /**
   * A manual failover: a replica of `master` takes over its slots (CLUSTER FAILOVER on the
   * replica, no writes lost) and the old master becomes its replica. Returns the new master.
   */
  async failover(master: number): Promise<number> {
    const replica = this.nodes.find((n) => {
      const role = this.cli(n.port, 'ROLE').split('\n');
      return role[0] === 'slave' && Number(role[2]) === master;
    });
    if (!replica) throw new Error(`no replica of the master on port ${master}`);
    const reply = this.cli(replica.port, 'CLUSTER', 'FAILOVER');
    if (reply !== 'OK') throw new Error(`CLUSTER FAILOVER on ${replica.port}: ${reply}`);
    await waitFor(
      async () => this.cli(replica.port, 'ROLE').split('\n')[0] === 'master',
      `the replica on port ${replica.port} to become master`,
      15_000,
      100,
    );
    await this.waitHealthy();
    return replica.port;
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
