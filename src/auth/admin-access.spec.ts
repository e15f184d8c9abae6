import type { FastifyRequest } from 'fastify';
import { hashApiKey, parseApiKeys } from './api-keys';
import { ADMIN_CHALLENGE, checkAdminAccess } from './admin-access';

const request = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} }) as FastifyRequest;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('admin access', () => {
  const keys = parseApiKeys(
    `ops:admin:${hashApiKey('admin-secret')},app:search+ingest:${hashApiKey('app-secret')}`,
  );

  it('is open when no keys are configured (loopback-only open mode)', () => {
    expect(checkAdminAccess([], request())).toEqual({ allowed: true });
  });

  it('accepts the admin key as HTTP Basic password (any user name) or as a Bearer token', () => {
    expect(checkAdminAccess(keys, request(basic('anyone', 'admin-secret'))).allowed).toBe(true);
    expect(checkAdminAccess(keys, request(basic('', 'admin-secret'))).allowed).toBe(true);
    expect(checkAdminAccess(keys, request('Bearer admin-secret')).allowed).toBe(true);
  });

  it('answers 401 with a Basic challenge when the key is missing or unknown, so browsers ask', () => {
    for (const auth of [undefined, basic('ops', 'wrong'), 'Bearer wrong', 'Token admin-secret']) {
      const access = checkAdminAccess(keys, request(auth));
      expect(access).toMatchObject({ allowed: false, status: 401, code: 'unauthorized' });
      if (!access.allowed) expect(access.headers['www-authenticate']).toBe(ADMIN_CHALLENGE);
    }
    expect(ADMIN_CHALLENGE).toMatch(/^Basic realm="ragline admin"/);
  });

  it('answers 403 to a valid key without the admin scope', () => {
    const access = checkAdminAccess(keys, request(basic('app', 'app-secret')));
    expect(access).toMatchObject({ allowed: false, status: 403, code: 'forbidden' });
    if (!access.allowed) expect(access.message).toMatch(/'app' lacks the 'admin' scope/);
  });
});
