/** The pino root logger; the only file that imports pino. Child loggers carry `mod` and `conn`. */
import { pino } from 'pino';
import type { Logger } from './core/index.js';

export interface LogOptions {
  readonly level: string;
  /** Write to this stream instead of stdout (tests). */
  readonly destination?: NodeJS.WritableStream;
}

/** Secrets are redacted wherever they appear in a log object (DESIGN.md: tokens never logged). */
const REDACT = ['token', 'adminToken', '*.token', '*.adminToken', 'authorization', 'headers.authorization', 'req.headers.authorization', 'key', '*.key', 'secret', '*.secret'];

export function createLogger(options: LogOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  const log = options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
  return log as unknown as Logger;
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
