import { isClusterUrl, parseRedisUrl, safeRedisUrl } from './redis-url';

describe('REDIS_URL', () => {
  it('names one server, with credentials, TLS and a database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({
      cluster: false,
      nodes: [{ host: '127.0.0.1', port: 6379 }],
      username: undefined,
      password: undefined,
      tls: false,
      db: 0,
    });
    expect(parseRedisUrl('rediss://app:p%40ss@cache.internal/2')).toMatchObject({
      nodes: [{ host: 'cache.internal', port: 6379 }],
      username: 'app',
      password: 'p@ss',
      tls: true,
      db: 2,
    });
    expect(parseRedisUrl('redis://:secret@h:7000')).toMatchObject({
      username: undefined,
      password: 'secret',
    });
  });

  it('names a cluster by its seed nodes', () => {
    const url = 'rediss+cluster://u:pw@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002';
    expect(isClusterUrl(url)).toBe(true);
    expect(isClusterUrl('redis://h:1')).toBe(false);
    expect(parseRedisUrl(url)).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'u',
      password: 'pw',
      tls: true,
      db: 0,
    });
  });

  it.each([
    ['http://h:1', /expected redis:\/\//],
    ['redis://a:1,b:2', /several hosts need redis\+cluster/],
    ['redis+cluster://a:1/3', /only database 0/],
    ['redis+cluster://a:x', /not host:port/],
  ])('refuses %p, saying what is accepted', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('hides the password in messages', () => {
    expect(safeRedisUrl('redis+cluster://u:pw@a:1,b:2')).toBe('redis+cluster://***@a:1,b:2');
  });
});
