import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's own start-up chatter: a line per module initialised and per route mapped (about 50),
 * logged before the line that says where the service listens. At debug level instead.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** The console logger, with Nest's start-up lines demoted to debug. */
export class QuietStartupLogger extends ConsoleLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) {
      this.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}
