import { classifyAddress, embeddedIpv4, FetchAllowlist, refusalReason } from './address-policy';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    // IPv6 forms that reach an IPv4 host are judged by that host.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('reads the IPv4 address inside mapped and NAT64 forms', () => {
    expect(embeddedIpv4('::ffff:0a00:0001')).toBe('10.0.0.1');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
  });
});

describe('FetchAllowlist', () => {
  const allow = new FetchAllowlist([
    '127.0.0.1/32',
    'docs.internal',
    '*.corp.example',
    '10.0.0.0/8',
  ]);

  it('lets listed CIDRs and hosts through, and nothing else that is not public', () => {
    expect(refusalReason('127.0.0.1', '127.0.0.1', allow)).toBeNull();
    expect(refusalReason('x', '10.9.9.9', allow)).toBeNull();
    expect(refusalReason('x', '::ffff:10.9.9.9', allow)).toBeNull();
    expect(refusalReason('docs.internal', '192.168.0.5', allow)).toBeNull();
    expect(refusalReason('wiki.corp.example', '192.168.0.6', allow)).toBeNull();
    expect(refusalReason('127.0.0.2', '127.0.0.2', allow)).toMatch(
      /127\.0\.0\.2 is a loopback address/,
    );
    expect(refusalReason('evil.test', '192.168.0.5', allow)).toMatch(
      /192\.168\.0\.5 is a private address \(evil\.test resolves to it\)/,
    );
    expect(refusalReason('example.com', '93.184.216.34', allow)).toBeNull();
  });

  it('never lets a listed host name reach a metadata address', () => {
    expect(refusalReason('docs.internal', '169.254.169.254', allow)).toMatch(/metadata/);
    const explicit = new FetchAllowlist(['169.254.169.254']);
    expect(refusalReason('169.254.169.254', '169.254.169.254', explicit)).toBeNull();
  });
});
