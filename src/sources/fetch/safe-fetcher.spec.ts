import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectGuard } from '../../../test/support/connect-guard';
import { FetchAllowlist } from './address-policy';
import { FetchRefused, type ResolvedAddress, SafeFetcher } from './safe-fetcher';

/** A resolver for made-up names; anything else is a test bug, never a real DNS query. */
const STUB_DNS: Record<string, ResolvedAddress[]> = {
  'docs.test': [{ address: '127.0.0.1', family: 4 }],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'private.test': [{ address: '10.0.0.7', family: 4 }],
  'v6metadata.test': [{ address: 'fd00:ec2::254', family: 6 }],
  'mapped.test': [{ address: '::ffff:192.168.0.1', family: 6 }],
  'mixed.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '192.168.1.10', family: 4 },
  ],
};
const resolver = async (host: string) => {
  const found = STUB_DNS[host];
  if (!found) throw new Error(`test resolver has no entry for ${host}`);
  return found;
};

describe('SafeFetcher (stubbed DNS, a real server on 127.0.0.1, every connection watched)', () => {
  const guard = new ConnectGuard();
  let server: Server;
  let port: number;

  beforeAll(async () => {
    guard.start();
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/to/')) {
        res.writeHead(302, { location: decodeURIComponent(path.slice(4)) }).end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (path === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(5000));
      } else if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
      } else if (path === '/etag') {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
        else res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' }).end('body');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.headers['user-agent']}`);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    guard.stop();
  });

  afterEach(() => expect(guard.violations).toEqual([]));

  const fetcher = (
    allow: string[],
    extra: Partial<ConstructorParameters<typeof SafeFetcher>[0]> = {},
  ) =>
    new SafeFetcher({
      allow: new FetchAllowlist(allow),
      resolver,
      userAgent: 'ragline-test/1',
      timeoutMs: 2000,
      maxBytes: 1000,
      ...extra,
    });

  async function refusal(f: SafeFetcher, url: string): Promise<string> {
    const err = await f.fetch({ url }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FetchRefused);
    return (err as FetchRefused).reason;
  }

  it('without the allowlist, refuses every non-public target before connecting', async () => {
    const f = fetcher([]);
    const targets: Array<[string, RegExp]> = [
      [`http://127.0.0.1:${port}/`, /loopback/],
      [`http://[::1]:${port}/`, /loopback/],
      [`http://[::ffff:127.0.0.1]:${port}/`, /loopback/],
      [`http://10.0.0.1/`, /private/],
      [`http://172.16.5.5/`, /private/],
      [`http://192.168.1.1/`, /private/],
      [`http://[fd12::1]/`, /private/],
      [`http://169.254.10.10/`, /link-local/],
      [`http://[fe80::1]/`, /link-local/],
      [`http://169.254.169.254/latest/meta-data/`, /metadata/],
      [`http://[fd00:ec2::254]/`, /metadata/],
      [`http://[::ffff:a9fe:a9fe]/`, /metadata/],
      [`http://0.0.0.0:${port}/`, /unspecified/],
      [`http://224.0.0.1/`, /multicast/],
      [
        `http://docs.test:${port}/`,
        /127\.0\.0\.1 is a loopback address \(docs\.test resolves to it\)/,
      ],
      [`http://metadata.test/`, /169\.254\.169\.254 is a metadata address \(metadata\.test/],
      [`http://private.test/`, /private/],
      [`http://v6metadata.test/`, /metadata/],
      [`http://mapped.test/`, /private/],
      [`http://mixed.test/`, /192\.168\.1\.10 is a private address/],
      [`file:///etc/passwd`, /only http and https/],
      [`ftp://docs.test/`, /only http and https/],
      [`http://user:pw@docs.test/`, /credentials/],
    ];
    for (const [url, reason] of targets) {
      expect(await refusal(f, url)).toMatch(reason);
    }
  });

  it('with 127.0.0.1 allowlisted, fetches from it (also through a name) and still refuses the rest', async () => {
    const f = fetcher(['127.0.0.1/32']);
    const res = await f.fetch({ url: `http://docs.test:${port}/hello` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok ragline-test/1');
    expect(await refusal(f, `http://127.0.0.2:${port}/`)).toMatch(/loopback/);
    expect(await refusal(f, 'http://169.254.169.254/')).toMatch(/metadata/);
  });

  it('checks every redirect again: an allowed page cannot send the fetch inside', async () => {
    const f = fetcher(['127.0.0.1/32']);
    for (const [target, reason] of [
      ['http://169.254.169.254/latest/meta-data/', /metadata/],
      ['http://metadata.test/', /metadata/],
      [`http://127.0.0.2:${port}/`, /loopback/],
      ['http://[::ffff:10.0.0.1]/', /private/],
      ['http://private.test/', /private/],
    ] as const) {
      const url = `http://127.0.0.1:${port}/to/${encodeURIComponent(target)}`;
      expect(await refusal(f, url)).toMatch(reason);
    }
    const followed = await f.fetch({
      url: `http://127.0.0.1:${port}/to/${encodeURIComponent('/hello')}`,
    });
    expect(followed.status).toBe(200);
    expect(followed.redirects).toBe(1);
    expect(followed.url).toBe(`http://127.0.0.1:${port}/hello`);
  });

  it('stops after 5 redirects, over the byte limit and over the time limit', async () => {
    const f = fetcher(['127.0.0.1/32'], { timeoutMs: 300 });
    await expect(f.fetch({ url: `http://127.0.0.1:${port}/loop` })).rejects.toThrow(
      /more than 5 redirects/,
    );
    await expect(f.fetch({ url: `http://127.0.0.1:${port}/big` })).rejects.toThrow(
      /over the 1000-byte limit/,
    );
    await expect(f.fetch({ url: `http://127.0.0.1:${port}/slow` })).rejects.toThrow(
      /timed out after 300 ms/,
    );
  });

  it('sends validators and reports 304 without a body', async () => {
    const f = fetcher(['127.0.0.1/32']);
    const first = await f.fetch({ url: `http://127.0.0.1:${port}/etag` });
    expect(first.headers.etag).toBe('"v1"');
    const again = await f.fetch({ url: `http://127.0.0.1:${port}/etag`, etag: first.headers.etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});
