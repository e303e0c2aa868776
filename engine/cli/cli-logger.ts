import { createLogger } from '../kernel/logger';
import { lazyLogger } from '../kernel/lazy-logger';
import type { CliContext } from './dispatch';

/**
 * The file logger of a CLI process (stderr too with --verbose). Its own module so pino loads only when a command opens the data directory here.
 * Lazy: built (log file opened, redaction compiled) on the first line written, which most one-shot commands never write.
 */
export function cliLogger(ctx: CliContext, logDir: string): ReturnType<typeof createLogger> {
  const level = ctx.env['HARVEST_LOG_LEVEL'] ?? (ctx.verbose ? 'debug' : 'info');
  return lazyLogger(level, () => createLogger({ logDir, stderr: ctx.verbose, level }));
}
