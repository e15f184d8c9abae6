import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { ConnectGuard } from './testing/connect-guard';
import { loadConfig } from '../../config/config';
import { FetchAllowlist } from './address-policy';
import { fetchProviders } from './fetch.providers';
import { FetchRefused, type ResolvedAddress, SafeFetcher } from './safe-fetcher';

/** A resolver for made-up names; anything else is a test bug, never a real DNS query. */
const STUB_DNS: Record<string, ResolvedAddress[]> = {
  'docs.test': [{ address: '127.0.0.1', family: 4 }],
  'alias.test': [{ address: '127.0.0.1', family: 4 }],
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
      } else if (path.startsWith('/zipped/')) {
        // /zipped/<encoding>/<size>: <size> bytes of text, compressed with <encoding>.
        const [, , coding, size] = path.split('/');
        const text = Buffer.from('compressed page text. '.repeat(Number(size) / 22 + 1)).subarray(
          0,
          Number(size),
        );
        const encode = {
          gzip: zlib.gzipSync,
          deflate: zlib.deflateSync,
          'raw-deflate': zlib.deflateRawSync,
          br: zlib.brotliCompressSync,
        }[coding] as (b: Buffer) => Buffer;
        const body = encode(text);
        res.writeHead(200, {
          'content-type': 'text/plain',
          'content-encoding': coding === 'raw-deflate' ? 'deflate' : coding,
          'content-length': body.length,
          'x-accept-encoding': req.headers['accept-encoding'] ?? '',
        });
        res.end(body);
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

  it('asks for gzip, deflate and br, and decodes each', async () => {
    const f = fetcher(['127.0.0.1/32'], { maxBytes: 100_000 });
    for (const coding of ['gzip', 'deflate', 'raw-deflate', 'br']) {
      const res = await f.fetch({ url: `http://127.0.0.1:${port}/zipped/${coding}/50000` });
      expect(res.headers['x-accept-encoding']).toBe('gzip, deflate, br');
      expect(res.body.length).toBe(50000);
      expect(res.body.toString().startsWith('compressed page text. compressed')).toBe(true);
      expect(res.headers['content-encoding']).toBeUndefined();
    }
  });

  it('refuses a body that decompresses past the byte limit (a decompression bomb)', async () => {
    // 2 MB of text compresses to a few kB, well under the 10 kB limit on what is read.
    const f = fetcher(['127.0.0.1/32'], { maxBytes: 10_000 });
    for (const coding of ['gzip', 'deflate', 'br']) {
      await expect(
        f.fetch({ url: `http://127.0.0.1:${port}/zipped/${coding}/2000000` }),
      ).rejects.toThrow(new RegExp(`decompresses \\(${coding}\\) to over the 10000-byte limit`));
    }
    // Just under the limit decompressed: accepted.
    const ok = await f.fetch({ url: `http://127.0.0.1:${port}/zipped/gzip/9999` });
    expect(ok.body.length).toBe(9999);
  });
});

describe('SafeFetcher over https (a self-signed certificate made by openssl, server on 127.0.0.1)', () => {
  const guard = new ConnectGuard();
  let dir: string;
  let server: Server;
  let port: number;
  let cert: string;
  let otherCert: string;

  /** A self-signed certificate (its own CA) for `name`. */
  function makeCert(name: string): { key: string; cert: string } {
    const key = join(dir, `${name}.key`);
    const crt = join(dir, `${name}.crt`);
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', crt, '-days', '1', '-subj', `/CN=${name}`],
        ...['-addext', `subjectAltName=DNS:${name}`],
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
  }

  beforeAll(async () => {
    guard.start();
    dir = mkdtempSync(join(tmpdir(), 'ragline-tls-'));
    const own = makeCert('docs.test');
    cert = own.cert;
    otherCert = makeCert('other.test').cert;
    server = createHttpsServer({ key: own.key, cert: own.cert }, (req, res) => {
      const sni = (req.socket as import('node:tls').TLSSocket).servername;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`secure ${sni} ${req.headers.host}`);
    }) as unknown as Server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
    guard.stop();
  });

  afterEach(() => expect(guard.violations).toEqual([]));

  const fetcher = (extraCa?: string[]) =>
    new SafeFetcher({
      allow: new FetchAllowlist(['127.0.0.1/32']),
      resolver,
      userAgent: 'ragline-test/1',
      timeoutMs: 5000,
      maxBytes: 10_000,
      ...(extraCa ? { extraCa } : {}),
    });

  it('connects to the pinned address but sends SNI and checks the certificate for the host name', async () => {
    const res = await fetcher([cert]).fetch({ url: `https://docs.test:${port}/page` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`secure docs.test docs.test:${port}`);
  });

  it('refuses a certificate no trusted CA signed, or one for another name', async () => {
    await expect(fetcher().fetch({ url: `https://docs.test:${port}/` })).rejects.toThrow(
      /self-signed certificate/,
    );
    await expect(fetcher([otherCert]).fetch({ url: `https://docs.test:${port}/` })).rejects.toThrow(
      /self-signed certificate/,
    );
    // Trusted, same address, but the URL's name (or bare IP) is not the certificate's.
    await expect(fetcher([cert]).fetch({ url: `https://alias.test:${port}/` })).rejects.toThrow(
      /Host: alias\.test\. is not in the cert's altnames: DNS:docs\.test/,
    );
    await expect(fetcher([cert]).fetch({ url: `https://127.0.0.1:${port}/` })).rejects.toThrow(
      /IP: 127\.0\.0\.1 is not in the cert's list/,
    );
  });

  it('trusts the CAs of RAGLINE_FETCH_CA_FILE in the service (still by host name)', async () => {
    const config = loadConfig({
      RAGLINE_FETCH_ALLOW: '127.0.0.1/32',
      RAGLINE_FETCH_CA_FILE: join(dir, 'docs.test.crt'),
    });
    const provider = fetchProviders.find(
      (p) => typeof p === 'object' && 'provide' in p && p.provide === SafeFetcher,
    ) as { useFactory: (c: typeof config, r: typeof resolver) => SafeFetcher };
    const service = provider.useFactory(config, resolver);
    const res = await service.fetch({ url: `https://docs.test:${port}/` });
    expect(res.body.toString()).toBe(`secure docs.test docs.test:${port}`);
    await expect(service.fetch({ url: `https://alias.test:${port}/` })).rejects.toThrow(
      /is not in the cert's altnames/,
    );
  });
});
