import { BlockList, isIP } from 'node:net';

/** Why an address may not be fetched from; `public` ones may. */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

type Family = 'ipv4' | 'ipv6';

function blockList(entries: Array<[string, number, Family]>): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family] of entries) list.addSubnet(net, prefix, family);
  return list;
}

/** Checked in order: the first list holding the address names its kind. */
const IPV4_KINDS: Array<[AddressKind, BlockList]> = [
  [
    'metadata',
    blockList([
      ['169.254.169.254', 32, 'ipv4'], // AWS, GCP, Azure, OpenStack
      ['169.254.170.2', 32, 'ipv4'], // ECS task metadata
      ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud
    ]),
  ],
  ['unspecified', blockList([['0.0.0.0', 8, 'ipv4']])],
  ['loopback', blockList([['127.0.0.0', 8, 'ipv4']])],
  [
    'private',
    blockList([
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
    ]),
  ],
  ['link-local', blockList([['169.254.0.0', 16, 'ipv4']])],
  ['multicast', blockList([['224.0.0.0', 4, 'ipv4']])],
  [
    'reserved',
    blockList([
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'], // includes 255.255.255.255
    ]),
  ],
];

const IPV6_KINDS: Array<[AddressKind, BlockList]> = [
  ['metadata', blockList([['fd00:ec2::254', 128, 'ipv6']])],
  ['unspecified', blockList([['::', 128, 'ipv6']])],
  ['loopback', blockList([['::1', 128, 'ipv6']])],
  [
    'private',
    blockList([
      ['fc00::', 7, 'ipv6'], // unique local
      ['fec0::', 10, 'ipv6'], // site-local (deprecated)
    ]),
  ],
  ['link-local', blockList([['fe80::', 10, 'ipv6']])],
  ['multicast', blockList([['ff00::', 8, 'ipv6']])],
  [
    'reserved',
    blockList([
      ['2001:db8::', 32, 'ipv6'],
      ['100::', 64, 'ipv6'], // discard-only
    ]),
  ],
];

/** The 16 bytes of an IPv6 address (zone id ignored), or null if it is not one. */
export function ipv6Bytes(address: string): number[] | null {
  const bare = address.replace(/%.*$/, '');
  if (isIP(bare) !== 6) return null;
  let text = bare;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...dotted[1].split('.').map(Number));
    text = `${text.slice(0, dotted.index)}:0:0`;
  }
  const [head, rest] = text.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - left.length - right.length;
  const all = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  const bytes = all.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * The IPv4 address an IPv6 address carries, where it routes to that IPv4 host: mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12))
    return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return null;
}

/** What kind of address this is; IPv6 forms that carry an IPv4 address are judged by it. */
export function classifyAddress(address: string): AddressKind {
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  const v4 = family === 6 ? embeddedIpv4(bare) : bare;
  if (v4) {
    for (const [kind, list] of IPV4_KINDS) if (list.check(v4, 'ipv4')) return kind;
    return 'public';
  }
  for (const [kind, list] of IPV6_KINDS) if (list.check(bare, 'ipv6')) return kind;
  return 'public';
}

/**
 * The allowlist (RAGLINE_FETCH_ALLOW): host names (exact, or `*.example.com` for subdomains)
 * and IP addresses or CIDRs that may be fetched even though their addresses are not public.
 * The setting itself is validated with the config (src/config/fetch-allow.ts).
 */
export class FetchAllowlist {
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly networks = new BlockList();

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '');
      if (!entry) continue;
      const [net, prefix] = entry.split('/');
      const family = isIP(net.replace(/^\[|\]$/g, ''));
      if (family) {
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        this.networks.addSubnet(net, bits, family === 4 ? 'ipv4' : 'ipv6');
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1));
      } else {
        this.hosts.add(entry);
      }
    }
  }

  hostAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.hosts.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  addressAllowed(address: string): boolean {
    const bare = address.replace(/%.*$/, '');
    const family = isIP(bare);
    if (!family) return false;
    if (this.networks.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const v4 = family === 6 ? embeddedIpv4(bare) : null;
    return v4 !== null && this.networks.check(v4, 'ipv4');
  }
}

/**
 * Why fetching from `address` (resolved from `hostname`) is refused, or null when it may be.
 * An allowlisted host name lets private and loopback addresses through, never cloud metadata
 * endpoints: those need their address or CIDR listed explicitly.
 */
export function refusalReason(
  hostname: string,
  address: string,
  allow: FetchAllowlist,
): string | null {
  const kind = classifyAddress(address);
  if (kind === 'public') return null;
  if (allow.addressAllowed(address)) return null;
  if (kind !== 'metadata' && allow.hostAllowed(hostname)) return null;
  const via = hostname === address ? '' : ` (${hostname} resolves to it)`;
  const article = kind === 'unspecified' ? 'an' : 'a';
  return `${address} is ${article} ${kind} address${via}; not in RAGLINE_FETCH_ALLOW`;
}
