import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiKeyEntry, findApiKey, parseApiKeys } from '../auth/api-keys';
import { presentedKey } from '../auth/auth.guard';

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

/** The keys the admin pages accept, parsed once from RAGLINE_API_KEYS. */
@Injectable()
export class AdminKeys {
  readonly entries: readonly ApiKeyEntry[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.entries = parseApiKeys(config.apiKeys);
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  check(request: FastifyRequest): AdminAccess {
    return checkAdminAccess(this.entries, request);
  }

  /** A Fastify onRequest hook for routes Nest does not own (Bull Board's). */
  readonly onRequest = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const access = this.check(request);
    if (access.allowed) return undefined;
    // Returning the reply after send() tells Fastify the request is answered: nothing else runs.
    return reply
      .code(access.status)
      .headers({ ...access.headers, 'cache-control': 'no-store' })
      .send({ error: { code: access.code, message: access.message } });
  };
}

/** Guards the admin page and its JSON endpoints (the routes mark themselves @Public for the API guard). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly keys: AdminKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.keys.check(context.switchToHttp().getRequest<FastifyRequest>());
    if (access.allowed) return true;
    throw new ApiError(access.status, access.code, access.message, undefined, access.headers);
  }
}
