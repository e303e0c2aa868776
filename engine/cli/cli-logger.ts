import { createLogger } from '../kernel/logger';
import type { CliContext } from './dispatch';

/** The file logger of a CLI process (stderr too with --verbose). Its own module so pino loads only when a command opens the data directory here. */
export function cliLogger(ctx: CliContext, logDir: string): ReturnType<typeof createLogger> {
  return createLogger({
    logDir,
    stderr: ctx.verbose,
    level: ctx.env['HARVEST_LOG_LEVEL'] ?? (ctx.verbose ? 'debug' : 'info'),
  });
}
