import type { FastifyRequest } from 'fastify';
import { ApiKeyEntry, findApiKey } from './api-keys';
import { presentedKey } from './auth.guard';

export const ADMIN_REALM = 'ragline admin';

/** Asks a browser for credentials (any user name, the admin key as password). */
export const ADMIN_CHALLENGE = `Basic realm="${ADMIN_REALM}", charset="UTF-8"`;

export type AdminAccess =
  | { allowed: true }
  | {
      allowed: false;
      status: 401 | 403;
      code: 'unauthorized' | 'forbidden';
      message: string;
      headers: Record<string, string>;
    };

const denied = (message: string): AdminAccess => ({
  allowed: false,
  status: 401,
  code: 'unauthorized',
  message,
  headers: { 'www-authenticate': ADMIN_CHALLENGE },
});

/**
 * Who may see /admin and /admin/queues: anyone when no keys are configured (open mode, which the
 * config allows only on loopback), otherwise a key with the `admin` scope, sent as HTTP Basic
 * password or as a Bearer token. A wrong or missing key answers 401 with a Basic challenge, so
 * a browser asks again.
 */
export function checkAdminAccess(
  keys: readonly ApiKeyEntry[],
  request: FastifyRequest,
): AdminAccess {
  if (keys.length === 0) return { allowed: true };
  const key = presentedKey(request);
  if (!key) return denied('the admin pages need the admin API key (HTTP Basic password or Bearer)');
  const entry = findApiKey([...keys], key);
  if (!entry) return denied('unknown API key');
  if (!entry.scopes.has('admin')) {
    return {
      allowed: false,
      status: 403,
      code: 'forbidden',
      message: `API key '${entry.name}' lacks the 'admin' scope`,
      headers: {},
    };
  }
  return { allowed: true };
}
