import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join, resolve } from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { configSchema } from '../../src/config/config.schema';
import { findOnPath } from '../support/processes';

/**
 * Checks the deployment files without a Docker daemon: the compose file's structure, that
 * everything it and the Dockerfile reference exists, and that the health probes (the Qdrant
 * bash one and deploy/healthcheck.js) really tell a 200 from anything else.
 */

const repo = resolve(__dirname, '..', '..');
const read = (rel: string) => readFileSync(join(repo, rel), 'utf8');

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dict(value: unknown, what: string): Dict {
  if (!isDict(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

// Compose files use YAML merge keys (<<: *anchor); the YAML 1.1 schema resolves them.
const compose = dict(
  load(read('docker-compose.yml'), { schema: YAML11_SCHEMA }),
  'docker-compose.yml',
);
const services = dict(compose.services, 'services');
const service = (name: string) => dict(services[name], `service ${name}`);

/** A service's command or healthcheck test as one shell-like string. */
function commandText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(' ');
  throw new Error(`not a command: ${JSON.stringify(value)}`);
}

function environmentOf(name: string): Record<string, string> {
  const env = service(name).environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => String(e).split(/=(.*)/s).slice(0, 2)));
  }
  return Object.fromEntries(
    Object.entries(dict(env, `${name}.environment`)).map(([k, v]) => [k, String(v)]),
  );
}

/** Bind mounts as [hostPath, containerPath] (named volumes left out). */
function bindMounts(name: string): Array<[string, string]> {
  const volumes = (service(name).volumes ?? []) as unknown[];
  return volumes
    .map((v) => String(v).split(':'))
    .filter(([source]) => source.startsWith('./') || source.startsWith('/'))
    .map(([source, target]) => [source, target]);
}

/** Compose's `${VAR:-default}`, `${VAR:-}` and `${VAR}` against the given variables. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) =>
    vars[name] ? vars[name] : (fallback ?? ''),
  );
}

/** Compose's own escaping: `$$` is a literal `$` in the command the container runs. */
const unescapeCompose = (text: string) => text.replace(/\$\$/g, '$');

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolveCode, reject) => {
    const child = spawn(command, args, { env, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveCode(code ?? -1);
    });
  });
}

async function httpServer(status: number, path: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((req, res) => {
    res.writeHead(req.url === path ? status : 404, { 'content-type': 'text/plain' });
    res.end(req.url === path ? 'body 200 mentioned here' : 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const closeServer = (server: Server) => new Promise<void>((r) => server.close(() => r()));

describe('docker-compose.yml: redis', () => {
  const redis = service('redis');

  it('persists with AOF, never evicts, keeps its data in a volume and has a ping healthcheck', () => {
    const command = commandText(redis.command);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect((redis.volumes as string[]).some((v) => v.endsWith(':/data'))).toBe(true);
    expect(commandText(dict(redis.healthcheck, 'redis.healthcheck').test)).toContain(
      'redis-cli ping',
    );
  });
});

describe('docker-compose.yml: qdrant', () => {
  const qdrant = service('qdrant');
  const probe = unescapeCompose(commandText(dict(qdrant.healthcheck, 'qdrant.healthcheck').test));

  it('is pinned to a 1.x release and stores data in a volume', () => {
    expect(qdrant.image).toMatch(/^qdrant\/qdrant:v1\.\d+\.\d+$/);
    expect((qdrant.volumes as string[]).some((v) => v.endsWith(':/qdrant/storage'))).toBe(true);
  });

  it('has a healthcheck that needs only bash (the image has no curl or wget)', () => {
    expect(probe).toMatch(/^CMD bash -c /);
    expect(probe).not.toMatch(/\b(curl|wget|nc)\b/);
    expect(probe).toContain('/readyz');
  });

  describe('its probe, run with bash against a local HTTP server', () => {
    const script = probe.replace(/^CMD bash -c /, '');
    const servers: Server[] = [];
    afterAll(async () => Promise.all(servers.map(closeServer)));
    const probeOn = (port: number) =>
      run('bash', ['-c', script.replace('/127.0.0.1/6333', `/127.0.0.1/${port}`)]);

    it('passes when /readyz answers 200', async () => {
      const { server, port } = await httpServer(200, '/readyz');
      servers.push(server);
      expect(await probeOn(port)).toBe(0);
    });

    it('fails when /readyz answers 503, even if "200" appears in the body', async () => {
      const { server, port } = await httpServer(503, '/readyz');
      servers.push(server);
      expect(await probeOn(port)).not.toBe(0);
    });

    it('fails when nothing listens', async () => {
      expect(await probeOn(await closedPort())).not.toBe(0);
    });
  });
});

describe('docker-compose.yml: api and worker', () => {
  it.each(['api', 'worker'])(
    '%s builds from the Dockerfile and waits for healthy redis and qdrant',
    (name) => {
      const s = service(name);
      const build = dict(s.build, `${name}.build`);
      expect(build.context).toBe('.');
      expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(existsSync(join(repo, String(build.dockerfile ?? 'Dockerfile')))).toBe(true);
      const dependsOn = dict(s.depends_on, `${name}.depends_on`);
      expect(Object.keys(dependsOn).sort()).toEqual([
        'qdrant',
        'qdrant-node1',
        'qdrant-node2',
        'qdrant-node3',
        'redis',
      ]);
      for (const [dep, entry] of Object.entries(dependsOn)) {
        expect(dict(entry, 'depends_on entry')).toEqual({
          condition: 'service_healthy',
          // The distributed Qdrant's peers only when their profile is on.
          ...(dep.startsWith('qdrant-node') ? { required: false } : {}),
        });
      }
    },
  );

  it.each([
    ['api', 'api'],
    ['worker', 'worker'],
  ])(
    '%s runs role %s against the compose redis and qdrant, listening beyond loopback',
    (name, role) => {
      const env = environmentOf(name);
      expect(env).toMatchObject({
        RAGLINE_ROLE: role,
        HOST: '0.0.0.0',
        REDIS_URL: 'redis://redis:6379',
        RAGLINE_STORE: 'qdrant',
        QDRANT_URL: '${QDRANT_URL:-http://qdrant:6333}',
      });
      expect(env.RAGLINE_API_KEYS).toMatch(/^\$\{RAGLINE_API_KEYS(:?-[^}]*)?\}$/);
    },
  );

  it.each(['api', 'worker'])('%s has a healthcheck whose script exists in the repo', (name) => {
    const test = commandText(dict(service(name).healthcheck, `${name}.healthcheck`).test);
    expect(test).toBe('CMD node deploy/healthcheck.js');
    expect(existsSync(join(repo, 'deploy/healthcheck.js'))).toBe(true);
  });

  it.each(['api', 'worker'])(
    '%s (the unprivileged node user) may lower its model threads back to nice 0 (RLIMIT_NICE 20)',
    (name) => {
      const nice = dict(dict(service(name).ulimits, `${name}.ulimits`).nice, `${name} nice`);
      expect(Number(nice.soft)).toBeGreaterThanOrEqual(20);
      expect(Number(nice.hard)).toBeGreaterThanOrEqual(Number(nice.soft));
    },
  );

  it('publishes the api on port 3000 of 127.0.0.1 unless RAGLINE_HTTP_BIND says otherwise', () => {
    const ports = (service('api').ports as string[]).map(String);
    expect(ports.map((p) => interpolate(p, {}))).toEqual(['127.0.0.1:3000:3000']);
    expect(ports.map((p) => interpolate(p, { RAGLINE_HTTP_BIND: '0.0.0.0' }))).toEqual([
      '0.0.0.0:3000:3000',
    ]);
  });

  it('binds every published port of every service to loopback by default', () => {
    const published = Object.entries(services).flatMap(([name, value]) =>
      (((value as Dict).ports ?? []) as unknown[]).map((p) => ({
        name,
        port: interpolate(String(p), {}),
      })),
    );
    expect(published.length).toBeGreaterThanOrEqual(4);
    for (const { name, port } of published) {
      expect({ name, port }).toEqual({
        name,
        port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/),
      });
    }
  });

  it('lets the worker scale: no container_name, no host port, several replicas', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(Number(dict(worker.deploy, 'worker.deploy').replicas)).toBeGreaterThanOrEqual(2);
  });

  it('declares every named volume it mounts', () => {
    const declared = Object.keys(dict(compose.volumes, 'volumes'));
    for (const [name, value] of Object.entries(services)) {
      for (const volume of ((value as Dict).volumes ?? []) as string[]) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect({
            service: name,
            volume: source,
            declared: declared.includes(source),
          }).toMatchObject({
            declared: true,
          });
        }
      }
    }
  });
});

describe('docker-compose.yml: qdrant-cluster profile', () => {
  const nodes = ['qdrant-node1', 'qdrant-node2', 'qdrant-node3'];
  const peerUri = (name: string) => `http://${name}:6335`;

  it.each(nodes)('%s runs the pinned Qdrant in distributed mode, only in the profile', (name) => {
    const node = service(name);
    expect(node.profiles).toEqual(['qdrant-cluster']);
    expect(node.image).toBe(service('qdrant').image);
    expect(environmentOf(name)).toMatchObject({ QDRANT__CLUSTER__ENABLED: 'true' });
    expect(node.ports).toBeUndefined();
  });

  it('node1 starts the cluster; the others join it through its peer port, as themselves', () => {
    expect(commandText(service('qdrant-node1').command)).toBe(
      `./qdrant --uri ${peerUri('qdrant-node1')}`,
    );
    for (const name of nodes.slice(1)) {
      expect(commandText(service(name).command)).toBe(
        `./qdrant --bootstrap ${peerUri('qdrant-node1')} --uri ${peerUri(name)}`,
      );
      expect(dict(service(name).depends_on, `${name}.depends_on`)).toEqual({
        'qdrant-node1': { condition: 'service_healthy' },
      });
    }
  });

  it('every node has the /readyz probe of the single qdrant and storage of its own', () => {
    const storages = nodes.map((name) => {
      expect(service(name).healthcheck).toEqual(service('qdrant').healthcheck);
      const volumes = service(name).volumes as string[];
      expect(volumes).toHaveLength(1);
      expect(volumes[0]).toMatch(/^[\w-]+:\/qdrant\/storage$/);
      return volumes[0].split(':')[0];
    });
    expect(new Set(storages).size).toBe(nodes.length);
  });

  it('api and worker pass the distribution settings through to config keys ragline reads', () => {
    for (const name of ['api', 'worker']) {
      const env = environmentOf(name);
      for (const key of [
        'RAGLINE_QDRANT_SHARDS',
        'RAGLINE_QDRANT_REPLICATION_FACTOR',
        'RAGLINE_QDRANT_WRITE_CONSISTENCY',
        'RAGLINE_QDRANT_READ_CONSISTENCY',
      ]) {
        expect(Object.keys(configSchema.shape)).toContain(key);
        // Unset stays empty, which ragline reads as "Qdrant's default".
        expect({ key, value: env[key] }).toEqual({ key, value: `\${${key}:-}` });
      }
    }
    // The command documented at the top of the file points ragline at node1's REST port.
    expect(read('docker-compose.yml')).toContain('QDRANT_URL=http://qdrant-node1:6333');
  });
});

describe('docker-compose.yml: monitoring profile', () => {
  it.each(['prometheus', 'grafana'])(
    '%s exists only in the monitoring profile, with its files in the repo',
    (name) => {
      const s = service(name);
      expect(s.profiles).toEqual(['monitoring']);
      const mounts = bindMounts(name);
      expect(mounts.length).toBeGreaterThan(0);
      for (const [source] of mounts)
        expect({ source, exists: existsSync(join(repo, source)) }).toEqual({
          source,
          exists: true,
        });
    },
  );

  it('the core services are not behind a profile', () => {
    for (const name of ['redis', 'qdrant', 'api', 'worker'])
      expect(service(name).profiles).toBeUndefined();
  });

  const promConfig = dict(load(read('deploy/prometheus/prometheus.yml')), 'prometheus.yml');

  it('Prometheus finds every api and worker replica through Docker DNS on port 3000', () => {
    const jobs = promConfig.scrape_configs as Dict[];
    const dnsTargets = jobs.flatMap((job) =>
      ((job.dns_sd_configs ?? []) as Dict[]).map((sd) => ({
        names: sd.names,
        type: sd.type,
        port: sd.port,
        path: job.metrics_path ?? '/metrics',
      })),
    );
    expect(dnsTargets).toEqual(
      expect.arrayContaining([
        { names: ['api'], type: 'A', port: 3000, path: '/metrics' },
        { names: ['worker'], type: 'A', port: 3000, path: '/metrics' },
      ]),
    );
    expect(bindMounts('prometheus')).toContainEqual([
      './deploy/prometheus/prometheus.yml',
      '/etc/prometheus/prometheus.yml',
    ]);
  });

  it('Prometheus loads the alert rules from the mounted rules folder', () => {
    const mount = bindMounts('prometheus').find(
      ([source]) => source === './deploy/prometheus/rules',
    );
    expect(mount?.[1]).toMatch(/^\/etc\/prometheus\/\S+/);
    const ruleFiles = (promConfig.rule_files ?? []) as string[];
    expect(ruleFiles).toEqual([`${mount?.[1]}/*.rules.yml`]);
    const inRepo = readdirSync(join(repo, 'deploy/prometheus/rules')).filter((f) =>
      f.endsWith('.rules.yml'),
    );
    expect(inRepo).toContain('ragline.rules.yml');
  });

  it('Grafana waits for a healthy Prometheus', () => {
    const dependsOn = dict(service('grafana').depends_on, 'grafana.depends_on');
    expect(dict(dependsOn.prometheus, 'prometheus dependency').condition).toBe('service_healthy');
  });

  describe.each([
    ['prometheus', 9090, '/-/ready'],
    ['grafana', 3000, '/api/health'],
  ])('%s healthcheck, run against a local HTTP server', (name, port, path) => {
    const test = dict(service(name).healthcheck, `${name}.healthcheck`).test as string[];
    const servers: Server[] = [];
    afterAll(async () => Promise.all(servers.map(closeServer)));
    const wget = findOnPath('wget');
    const probeOn = (localPort: number) => {
      const args = test.slice(2).map((a) => a.replace(`:${port}/`, `:${localPort}/`));
      return run(wget as string, args);
    };

    it(`asks ${path} on its own port with wget (in the image)`, () => {
      expect(test.slice(0, 2)).toEqual(['CMD', 'wget']);
      expect(test[test.length - 1]).toBe(`http://127.0.0.1:${port}${path}`);
    });

    (wget ? it : it.skip)('passes on 200, fails on 503 and when nothing listens', async () => {
      const ok = await httpServer(200, path);
      const down = await httpServer(503, path);
      servers.push(ok.server, down.server);
      expect(await probeOn(ok.port)).toBe(0);
      expect(await probeOn(down.port)).not.toBe(0);
      expect(await probeOn(await closedPort())).not.toBe(0);
    });
  });

  describe('Grafana admin password', () => {
    const grafana = service('grafana');
    const entrypoint = (grafana.entrypoint as string[]).map(unescapeCompose);
    /** Runs the entrypoint with sh, /run.sh (Grafana's own) replaced by a stand-in. */
    const start = (password: string | undefined) =>
      spawnSync(
        entrypoint[0],
        [
          ...entrypoint.slice(1, 2),
          entrypoint[2].replace('/run.sh', 'echo started'),
          entrypoint[3],
          'arg',
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            ...(password === undefined ? {} : { GF_SECURITY_ADMIN_PASSWORD: password }),
          },
        },
      );

    it('comes from GRAFANA_ADMIN_PASSWORD, with no default', () => {
      expect(environmentOf('grafana').GF_SECURITY_ADMIN_PASSWORD).toBe(
        '${GRAFANA_ADMIN_PASSWORD:-}',
      );
      expect(read('docker-compose.yml')).not.toMatch(/GRAFANA_ADMIN_PASSWORD:-\w/);
    });

    it.each([
      ['unset', undefined],
      ['empty', ''],
      ['admin', 'admin'],
    ])('refuses to start Grafana when it is %s, saying what to set', (_what, password) => {
      const result = start(password);
      expect(result.status).toBe(64);
      expect(result.stderr).toContain('set GRAFANA_ADMIN_PASSWORD');
      expect(result.stdout).not.toContain('started');
    });

    it("starts Grafana's own entrypoint with its arguments when one is set", () => {
      const result = start('a-long-random-password');
      expect(result.status).toBe(0);
      expect(result.stdout.trim()).toBe('started arg');
    });
  });

  const promtool = findOnPath('promtool');
  if (!promtool) {
    console.warn(
      'promtool is not on PATH: skipping `promtool check config deploy/prometheus/prometheus.yml`',
    );
  }
  (promtool ? it : it.skip)('Prometheus accepts its config (promtool check config)', () => {
    const result = spawnSync(
      promtool as string,
      ['check', 'config', 'deploy/prometheus/prometheus.yml'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({
      status: 0,
    });
  });

  it('Grafana gets the Prometheus datasource and loads dashboards from the mounted folder', () => {
    const datasources = dict(
      load(read('deploy/grafana/provisioning/datasources/prometheus.yml')),
      'datasources',
    );
    const prometheus = (datasources.datasources as Dict[]).find((d) => d.type === 'prometheus');
    expect(prometheus).toMatchObject({ url: 'http://prometheus:9090', uid: 'prometheus' });

    const providers = dict(
      load(read('deploy/grafana/provisioning/dashboards/ragline.yml')),
      'providers',
    );
    const provider = (providers.providers as Dict[])[0];
    expect(provider.type).toBe('file');
    const dashboardsTarget = bindMounts('grafana').find(
      ([source]) => source === './deploy/grafana/dashboards',
    )?.[1];
    expect(dashboardsTarget).toMatch(/^\/etc\/grafana\/\S+/);
    expect(dict(provider.options, 'provider.options').path).toBe(dashboardsTarget);
    expect(bindMounts('grafana')).toContainEqual([
      './deploy/grafana/provisioning',
      '/etc/grafana/provisioning',
    ]);
  });

  it('the dashboard is valid JSON with a panel on request latency from that datasource', () => {
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/ragline.json')) as {
      uid: string;
      panels: Array<{
        type: string;
        datasource?: { uid: string };
        targets?: Array<{ expr: string }>;
      }>;
    };
    expect(dashboard.uid).toBe('ragline');
    const queried = dashboard.panels.filter((p) => p.type !== 'row');
    const exprs = queried.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.some((e) => e.includes('ragline_http_request_duration_seconds'))).toBe(true);
    expect(queried.every((p) => p.datasource?.uid === 'prometheus')).toBe(true);
  });
});

describe('Dockerfile', () => {
  /** Instructions with continuation lines joined and comments dropped. */
  const instructions = read('Dockerfile')
    .replace(/^\s*#.*$/gm, '')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
  const stages = instructions.filter((i) => i.keyword === 'FROM');
  const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]));
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('is multi-stage on node:24-bookworm-slim (the newest LTS), the last stage copying the build output', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^node:24-bookworm-slim AS \w+$/);
    const copies = finalStage.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies.some((c) => /--from=\w+ \/app\/node_modules /.test(c))).toBe(true);
    expect(copies.some((c) => /--from=\w+ \/app\/dist /.test(c))).toBe(true);
  });

  it('installs with npm ci, skips the CUDA download, and keeps optional dependencies', () => {
    const text = instructions.map((i) => `${i.keyword} ${i.args}`).join('\n');
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm prune --omit=dev\b/.test(r))).toBe(true);
    expect(text).not.toMatch(/--omit[= ]optional|--no-optional/);
    expect(text).toMatch(/ENV [^\n]*ONNXRUNTIME_NODE_INSTALL_CUDA=skip/);
    expect(text).toMatch(/ENV [^\n]*SCARF_ANALYTICS=false/);
  });

  it("uses a Node line that package.json's engines accepts", () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines;
    const major = Number(/^node:(\d+)-/.exec(stages[0].args)?.[1]);
    expect(engines.node).toMatch(new RegExp(`(^|\\|\\|\\s)(\\^|>=)${major}\\.`));
  });

  it('runs as the non-root node user, with a node health probe and the main entry point', () => {
    const users = finalStage.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users[users.length - 1]).toBe('node');
    const health = finalStage.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toMatch(/CMD \["node", "deploy\/healthcheck\.js"\]/);
    const cmd = finalStage.filter((i) => i.keyword === 'CMD').pop();
    expect(cmd?.args).toBe('["node", "dist/src/main.js"]');
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining([
        'node_modules',
        'dist',
        'data',
        '.git',
        'bench/out',
        'load/node_modules',
      ]),
    );
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const excluded = ignored.some(
        (pattern) => source === pattern || source.startsWith(`${pattern}/`),
      );
      expect({ source, exists: existsSync(join(repo, source)), excluded }).toEqual({
        source,
        exists: true,
        excluded: false,
      });
    }
  });
});

describe('deploy/healthcheck.js', () => {
  const script = join(repo, 'deploy/healthcheck.js');
  const probe = (port: number, host = '0.0.0.0') =>
    run(process.execPath, [script], { PATH: process.env.PATH, PORT: String(port), HOST: host });

  it('exits 0 when GET /v1/health answers 200', async () => {
    const { server, port } = await httpServer(200, '/v1/health');
    try {
      expect(await probe(port)).toBe(0);
    } finally {
      await closeServer(server);
    }
  });

  it('exits 1 when the service is unhealthy or down', async () => {
    const { server, port } = await httpServer(503, '/v1/health');
    try {
      expect(await probe(port)).toBe(1);
    } finally {
      await closeServer(server);
    }
    expect(await probe(await closedPort())).toBe(1);
  });
});
