import { AppConfig } from './config';

function redisWhere(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function authMode(config: AppConfig): string {
  const keys = config.apiKeys.trim() ? config.apiKeys.split(',').length : 0;
  return keys > 0 ? `${keys} API key(s) (RAGLINE_API_KEYS)` : 'open: no API keys (loopback only)';
}

/**
 * What an operator wants to see once the service is up, one aspect per line: where it
 * listens, its role, store, embedder, Redis and auth mode. The full configuration is logged
 * at debug level.
 */
export function startupSummary(config: AppConfig, url: string): string[] {
  const serves = config.role === 'worker' ? 'health and metrics only' : 'the API';
  const pages =
    config.role === 'worker'
      ? ''
      : ` · admin ${url}/admin${config.docs ? ` · API docs ${url}/docs` : ''}`;
  const store =
    config.store.kind === 'qdrant'
      ? `qdrant at ${config.store.qdrantUrl ?? '?'}`
      : `lancedb in ${config.dataDir}`;
  const pool = config.embedder.poolSize ? `, ${config.embedder.poolSize} model thread(s)` : '';
  return [
    `listening on ${url} as role '${config.role}' (${serves})${pages}`,
    `store: ${store}`,
    `embedder: ${config.embedder.defaultId}${config.role === 'api' ? '' : pool}`,
    `redis: ${redisWhere(config.redisUrl)}, key prefix '${config.prefix}'`,
    `auth: ${authMode(config)}`,
    `log level: ${config.logLevel} (RAGLINE_LOG_LEVEL=debug prints the full configuration)`,
  ];
}
