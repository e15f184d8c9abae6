import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiKeyEntry, findApiKey, hasScope, parseApiKeys, Scope } from './api-keys';

export const SCOPE_KEY = 'ragline:scope';
/** The scopes a route accepts (any one suffices; admin always does); `Public` marks health and metrics. */
export const RequireScope = (...scopes: Scope[]) => SetMetadata(SCOPE_KEY, scopes);
export const Public = () => SetMetadata(SCOPE_KEY, null);

/** Reads the key from `Authorization: Bearer <key>` or HTTP Basic (any user, key as password). */
export function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const [kind, value] = header.split(' ', 2);
  if (/^bearer$/i.test(kind) && value) return value.trim();
  if (/^basic$/i.test(kind) && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

const authenticated = new WeakMap<object, string>();
/** Requests made with an admin key, or in open mode (where every caller may do everything). */
const adminRequests = new WeakSet<object>();

/**
 * Whether the request may see internals (driver text, paths in job failures): admin keys only.
 * Set by the guard, so only on routes that name their scopes.
 */
export function isAdminRequest(request: FastifyRequest): boolean {
  return adminRequests.has(request);
}

/** The name of the API key a request was authenticated with (undefined in open mode). */
export function apiKeyNameOf(request: FastifyRequest): string | undefined {
  return authenticated.get(request);
}

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly keys: ApiKeyEntry[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = parseApiKeys(config.apiKeys);
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  canActivate(context: ExecutionContext): boolean {
    const scopes = this.reflector.getAllAndOverride<Scope[] | null | undefined>(SCOPE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scopes === null) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.enabled) {
      adminRequests.add(request);
      return true;
    }
    const key = presentedKey(request);
    if (!key) {
      throw new ApiError(
        401,
        'unauthorized',
        'missing API key: send Authorization: Bearer <key>',
        undefined,
        {
          'www-authenticate': 'Bearer realm="ragline"',
        },
      );
    }
    const entry = findApiKey(this.keys, key);
    if (!entry) throw new ApiError(401, 'unauthorized', 'unknown API key');
    const needed = scopes?.length ? scopes : (['admin'] as Scope[]);
    if (!needed.some((s) => hasScope(entry, s))) {
      throw new ApiError(
        403,
        'forbidden',
        `API key '${entry.name}' lacks the '${needed.join("' or '")}' scope`,
      );
    }
    authenticated.set(request, entry.name);
    if (hasScope(entry, 'admin')) adminRequests.add(request);
    return true;
  }
}
