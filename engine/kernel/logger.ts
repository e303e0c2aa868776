import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { lazyLogger } from './lazy-logger';
import { DEFAULT_LOG_ROTATION, RotatingFile, type RotatingFileOptions } from './rotating-file';
import type { TerminalLog } from './terminal-log';

export type { Logger } from 'pino';

/**
 * Field names that must never reach a log line. Code never logs secrets on
 * purpose; this is the second line of defence if an object slips through.
 */
export const REDACTED_FIELDS = [
  'mnemonic',
  'secretKey',
  'secret',
  'passphrase',
  'masterKey',
  'key',
  'plaintext',
  'password',
  'token',
];

export interface LoggerOptions {
  level?: string;
  /** Also write the JSON records to stderr (for `--json` runs and debugging). */
  stderr?: boolean;
  /** Also print human lines for a person at a terminal (terminal-log.ts); the file keeps the full JSON. */
  terminal?: TerminalLog;
  /** Directory for harvest.log; omitted means no file. */
  logDir?: string;
  /** Size cap and number of files kept for harvest.log. */
  rotation?: RotatingFileOptions;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['HARVEST_LOG_LEVEL'] ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true, mode: 0o700 });
    streams.push({
      level: level as pino.Level,
      stream: new RotatingFile(join(opts.logDir, 'harvest.log'), opts.rotation ?? DEFAULT_LOG_ROTATION),
    });
  }
  if (opts.terminal) {
    streams.push({ level: level as pino.Level, stream: opts.terminal });
  }
  if (opts.stderr) {
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: 2, sync: true }) });
  }
  const redact = {
    paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((f) => `*.${f}`)],
    censor: '[redacted]',
  };
  if (streams.length === 0) return pino({ level: 'silent' });
  return pino({ level, redact, base: { pid: process.pid } }, pino.multistream(streams));
}

// Lazy: a pino instance built at module load costs every CLI command a few ms, and most never log.
export const silentLogger: Logger = lazyLogger('silent', () => pino({ level: 'silent' }));
