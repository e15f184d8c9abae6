import { promises as dns, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { FetchAllowlist, refusalReason } from './address-policy';
import { ACCEPT_ENCODING, decodeBody } from './decode-body';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (injectable: tests stub it). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A fetch the policy refused before any connection was opened; never worth retrying. */
export class FetchRefused extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`refused ${url}: ${reason}`);
    this.name = 'FetchRefused';
  }
}

export interface SafeFetcherOptions {
  allow: FetchAllowlist;
  resolver?: Resolver;
  userAgent: string;
  timeoutMs: number;
  /** Limit on the body as received and, when compressed, as decompressed. */
  maxBytes: number;
  maxRedirects?: number;
  /**
   * Certificates (PEM) trusted for https besides Node's root CAs: a private CA, or a test's
   * self-signed certificate. Certificates are still checked against the URL's host name.
   */
  extraCa?: string[];
}

export interface FetchRequest {
  url: string;
  headers?: Record<string, string>;
  /** Validators of the copy already stored: a 304 answer means it is still current. */
  etag?: string;
  lastModified?: string;
}

export interface FetchResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  redirects: number;
}

type Answer = Omit<FetchResponse, 'url' | 'redirects'>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ACCEPT =
  'text/html,application/xhtml+xml,text/markdown,text/plain,application/pdf,application/xml;q=0.9,*/*;q=0.5';

function headerMap(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/**
 * Fetches http(s) URLs for sources and `url` documents without letting them reach inside
 * the network: the host is resolved here, every address checked (loopback, private,
 * link-local, multicast and metadata refused unless allowlisted), and the connection pinned
 * to the checked address through the socket's `lookup`, so a second DNS answer cannot swap
 * it. Each redirect is checked the same way. Bodies are capped in bytes and time.
 */
export class SafeFetcher {
  private readonly resolver: Resolver;
  private readonly maxRedirects: number;

  private readonly ca?: string[];

  constructor(private readonly options: SafeFetcherOptions) {
    this.resolver = options.resolver ?? systemResolver;
    this.maxRedirects = options.maxRedirects ?? 5;
    if (options.extraCa?.length) this.ca = [...rootCertificates, ...options.extraCa];
  }

  get userAgent(): string {
    return this.options.userAgent;
  }

  /** Parses and checks a URL and its addresses; returns the address to connect to. */
  async check(target: string): Promise<{ url: URL; address: ResolvedAddress }> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new FetchRefused(target, 'not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchRefused(target, `only http and https URLs are fetched (got ${url.protocol})`);
    }
    if (url.username || url.password) {
      throw new FetchRefused(target, 'URLs with credentials are not fetched');
    }
    const hostname = bareHost(url.hostname);
    const literal = isIP(hostname);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await this.resolver(hostname);
      } catch (err) {
        throw new FetchRefused(target, `cannot resolve ${hostname} (${(err as Error).message})`);
      }
      if (!addresses.length) throw new FetchRefused(target, `${hostname} has no address`);
    }
    // Every address must pass: a name answering with one public and one private address
    // would otherwise be a way in.
    for (const { address } of addresses) {
      const reason = refusalReason(hostname, address, this.options.allow);
      if (reason) throw new FetchRefused(target, reason);
    }
    return { url, address: addresses[0] };
  }

  async fetch(request: FetchRequest): Promise<FetchResponse> {
    const deadline = Date.now() + this.options.timeoutMs;
    let current = request.url;
    for (let redirects = 0; ; redirects++) {
      const { url, address } = await this.check(current);
      const res = await this.decoded(await this.once(url, address, request, deadline));
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || !location) return { ...res, url: url.href, redirects };
      if (redirects >= this.maxRedirects) {
        throw new Error(`more than ${this.maxRedirects} redirects (last to ${location})`);
      }
      current = new URL(location, url).href;
    }
  }

  /** The body decompressed (by Content-Encoding), within the same byte limit. */
  private async decoded(answer: Answer): Promise<Answer> {
    const encoding = answer.headers['content-encoding'];
    if (!encoding || !answer.body.length) return answer;
    const body = await decodeBody(answer.body, encoding, this.options.maxBytes);
    const headers = { ...answer.headers };
    delete headers['content-encoding'];
    delete headers['content-length'];
    return { ...answer, headers, body };
  }

  private once(
    url: URL,
    pinned: ResolvedAddress,
    request: FetchRequest,
    deadline: number,
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: ACCEPT,
      'accept-encoding': ACCEPT_ENCODING,
      ...(request.headers ?? {}),
    };
    if (request.etag) headers['if-none-match'] = request.etag;
    if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    // Node asks for all addresses when it may try several families (autoSelectFamily).
    const lookup = (
      _host: string,
      opts: { all?: boolean },
      callback: (...args: unknown[]) => void,
    ): void => {
      if (opts?.all) callback(null, [pinned] as LookupAddress[]);
      else callback(null, pinned.address, pinned.family);
    };
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      return Promise.reject(new Error(`timed out after ${this.options.timeoutMs} ms`));
    }
    const client = url.protocol === 'https:' ? https : http;
    const { maxBytes, timeoutMs } = this.options;
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        reject(err);
        req.destroy();
      };
      const done = (status: number, res: IncomingMessage, body: Buffer) => {
        if (settled) return;
        settled = true;
        resolve({ status, headers: headerMap(res), body });
      };
      const req = client.request(
        url,
        {
          method: 'GET',
          headers,
          // A fresh connection each time, resolved only through the pinned lookup.
          agent: false,
          lookup: lookup as unknown as typeof import('node:dns').lookup,
          // TLS: SNI and the certificate check are for the URL's host name, never the
          // pinned IP (Node checks the certificate against `servername`, else the host).
          servername: isIP(bareHost(url.hostname)) ? undefined : url.hostname,
          ...(this.ca && url.protocol === 'https:' ? { ca: this.ca } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.on('error', fail);
          if (REDIRECTS.has(status) || status === 304 || status >= 400) {
            res.resume();
            res.on('end', () => done(status, res, Buffer.alloc(0)));
            return;
          }
          const declared = Number(res.headers['content-length'] ?? NaN);
          if (declared > maxBytes) {
            fail(new Error(`body of ${declared} bytes is over the ${maxBytes}-byte limit`));
            return;
          }
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) fail(new Error(`body is over the ${maxBytes}-byte limit`));
            else parts.push(chunk);
          });
          res.on('end', () => done(status, res, Buffer.concat(parts)));
        },
      );
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), remaining);
      req.on('close', () => clearTimeout(timer));
      req.on('error', fail);
      req.end();
    });
  }
}
