import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { exitAfterStopDeadline } from './common/shutdown-deadline';
import { ConfigError, loadConfig, redactedConfig } from './config/config';
import { startupSummary } from './config/startup-summary';
import { unknownSettingWarnings } from './config/unknown-settings';
import { assertRedisReachable, RedisUnreachableError } from './redis/redis-connection';

function roleFromArgs(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
}

async function main(): Promise<void> {
  const role = roleFromArgs(process.argv.slice(2));
  const config = loadConfig(process.env, role ? { RAGLINE_ROLE: role } : {});
  const logger = new Logger('ragline');
  for (const warning of unknownSettingWarnings(process.env)) logger.warn(warning);
  await assertRedisReachable(config.redisUrl);
  const app = await createApp(config);
  exitAfterStopDeadline(config.shutdownTimeoutMs, (message) =>
    new Logger('ragline').error(message),
  );
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  for (const line of startupSummary(config, url)) logger.log(line);
  logger.debug(`effective configuration: ${JSON.stringify(redactedConfig(config), null, 2)}`);
  if (!config.apiKeys) {
    logger.warn(
      'no API keys configured (RAGLINE_API_KEYS): the API is open; serve it on loopback only',
    );
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RedisUnreachableError) {
    console.error(`ragline: ${err.message}`);
  } else {
    console.error('ragline failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
