/**
 * Where the CLI connects, derived from the same configuration the server reads (config file via
 * `--config`, then the environment), so `streamhub status` on the server's host needs no options.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type Config } from '../config/index.js';
import { CliError, Exit, flag, type ParsedArgs } from './args.js';

export interface Target {
  readonly config: Config;
  /** Operator base URL, without a trailing slash. */
  readonly operatorUrl: string;
  /** Host of the dialect listeners. */
  readonly host: string;
  /** `https`/`wss` when the server runs TLS (server.tls) or `--tls` is given. */
  readonly secure: boolean;
  /** Operator admin token, or null. */
  readonly token: string | null;
  /** TLS options for node:https and ws. */
  readonly tls: { readonly ca?: Buffer; readonly rejectUnauthorized: boolean };
  /** The CLI's environment, for a dialect client's own credentials (`STREAMHUB_TOKEN`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}


export function resolveTarget(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Target {
  let config: Config;
  try {
    const path = flag(args, 'config');
    config = parseConfig({ env, argv: path ? ['--config', path] : [] });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, Exit.usage);
    throw err;
  }
  const secure = args.flags.has('tls') || config.server.tls !== null;
  const host = flag(args, 'host') ?? '127.0.0.1';
  const url = flag(args, 'url') ?? `${secure ? 'https' : 'http'}://${host}:${config.operator.port}`;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new CliError(`--url must be an http(s) URL, got "${url}"`, Exit.usage);
  const caPath = flag(args, 'ca');
  let ca: Buffer | undefined;
  if (caPath) {
    try {
      ca = readFileSync(caPath);
    } catch (err) {
      throw new CliError(`cannot read --ca ${caPath}: ${(err as Error).message}`, Exit.usage);
    }
  }
  return {
    config,
    operatorUrl: url.replace(/\/+$/, ''),
    host,
    secure: secure || url.startsWith('https:'),
    token: flag(args, 'token') ?? config.operator.adminToken,
    tls: { ...(ca ? { ca } : {}), rejectUnauthorized: !args.flags.has('insecure') },
    env,
  };
}
