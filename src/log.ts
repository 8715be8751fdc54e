/**
 * The pino root logger; the only file that imports pino (and pino-pretty, its human-readable
 * form). Child loggers carry `mod` and `conn`.
 */
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Logger } from './core/index.js';

/** `json`: one JSON object per line (for machines); `pretty`: one readable line per entry (for a terminal). */
export type LogFormat = 'json' | 'pretty';

export interface LogOptions {
  readonly level: string;
  /** Default `json`. */
  readonly format?: LogFormat;
  /** Write to this stream instead of stdout (tests). */
  readonly destination?: NodeJS.WritableStream;
  /** Pretty format only: colour the level names (default: when stdout is a terminal). */
  readonly colorize?: boolean;
}

/** Secrets are redacted wherever they appear in a log object (DESIGN.md: tokens never logged). */
const REDACT = ['token', 'adminToken', '*.token', '*.adminToken', 'authorization', 'headers.authorization', 'req.headers.authorization', 'key', '*.key', 'secret', '*.secret'];

/** `auto` (the default setting) is pretty on a terminal, JSON lines everywhere else (pipes, files, journald). */
export function resolveLogFormat(setting: 'auto' | LogFormat, stdoutIsTTY: boolean): LogFormat {
  return setting === 'auto' ? (stdoutIsTTY ? 'pretty' : 'json') : setting;
}

export function createLogger(options: LogOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  // prettyFactory formats one line synchronously: pino-pretty's stream form goes through a
  // transform, and the lines still in it are lost when main() calls process.exit after 'stopped'.
  const log =
    options.format === 'pretty'
      ? pino(base, prettyLines(options.destination ?? process.stdout, options.colorize ?? process.stdout.isTTY === true))
      : options.destination
        ? pino(base, options.destination as pino.DestinationStream)
        : pino(base);
  return bound(log, {});
}

function prettyLines(destination: NodeJS.WritableStream, colorize: boolean): pino.DestinationStream {
  const prettify = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true, // one entry, one line: a terminal scrolls fast enough
    ignore: 'pid,hostname,mod',
    messageFormat: '{if mod}[{mod}] {end}{msg}',
  });
  return { write: (line: string) => void destination.write(prettify(line)) };
}

/**
 * A logger with `bindings` on every line. pino writes a child's bindings after its parent's, so a
 * key bound at two levels (`mod: 'broker'` in server.ts, then `mod: 'broker.redis'` in the broker)
 * came out twice in one line, and JSON readers silently keep only the last. Here every child is made
 * from the root with the merged bindings instead: the innermost value wins and each key appears once.
 */
function bound(root: pino.Logger, bindings: Readonly<Record<string, unknown>>): Logger {
  const log = Object.keys(bindings).length === 0 ? root : root.child(bindings);
  return {
    debug: log.debug.bind(log),
    info: log.info.bind(log),
    warn: log.warn.bind(log),
    error: log.error.bind(log),
    child: (more) => bound(root, { ...bindings, ...more }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
