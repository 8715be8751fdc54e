/** A small argv parser for the CLI (no dependency): `--name value`, `--name=value`, boolean flags, positionals. */
import { ErrorCode, StreamHubError } from '../errors.js';

/** Exit codes of every command (documented in `streamhub --help`). */
export const Exit = {
  ok: 0,
  /** The server was unreachable, refused, or failed. */
  failure: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** 401 (wrong token) or 503 admin_disabled (no token configured). */
  auth: 3,
  /** 404: unknown dialect, match or channel. */
  notFound: 4,
} as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

/** An error the CLI prints as one line (`streamhub: <message>`) before exiting with `exit`. */
export class CliError extends StreamHubError {
  constructor(
    message: string,
    readonly exit: Exit,
  ) {
    super(ErrorCode.cli, message);
    this.name = 'CliError';
  }
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

/**
 * Parses `argv`. `valueFlags` take a value (`--count 3`); every other `--flag` is boolean. An
 * unknown flag is a usage error, so a typo never silently changes behaviour.
 */
export function parseArgs(argv: readonly string[], valueFlags: readonly string[], booleanFlags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const name = arg === '-h' ? 'help' : arg.replace(/^--?/, '').split('=')[0]!;
    const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : null;
    if (valueFlags.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new CliError(`--${name} needs a value`, Exit.usage);
      flags.set(name, value);
    } else if (booleanFlags.includes(name) || name === 'help') {
      if (inline !== null) throw new CliError(`--${name} takes no value`, Exit.usage);
      flags.set(name, true);
    } else {
      throw new CliError(`unknown option ${arg} (see --help)`, Exit.usage);
    }
  }
  return { positionals, flags };
}

/** A string flag, or undefined. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer flag, or undefined; anything else is a usage error. */
export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`--${name} must be a positive whole number, got "${v}"`, Exit.usage);
  return Number(v);
}
