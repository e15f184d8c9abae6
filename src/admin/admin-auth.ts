import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AdminAccess, checkAdminAccess } from '../auth/admin-access';
import { ApiKeyEntry, parseApiKeys } from '../auth/api-keys';

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
