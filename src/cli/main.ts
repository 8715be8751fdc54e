/**
 * The `streamhub` command line (bin/streamhub.js): serve, publish, subscribe, status. Every
 * failure is one line on stderr (`streamhub: …`) and a documented exit code (args.ts `Exit`).
 */
import type { Readable, Writable } from 'node:stream';
import { CliError, Exit, parseArgs } from './args.js';
import { DIALECT_MODULES, type AnyDialectModule } from '../dialects/index.js';
import type { DialectCommand } from '../dialects/types.js';
import { publishHelp, SERVE_HELP, STATUS_HELP, subscribeHelp } from './help.js';

// Commands are loaded on use: `--help` stays instant, and `publish` never loads ws or socket.io-client.
/** Options every networked command takes (see target.ts). */
const TARGET_VALUE_FLAGS = ['url', 'host', 'token', 'config', 'ca'];
const TARGET_BOOLEAN_FLAGS = ['insecure', 'tls', 'json'];

/** The top-level help: the built-in commands, then each dialect's own (relay-publish…). */
export function helpText(modules: readonly AnyDialectModule[] = DIALECT_MODULES): string {
  const names = modules.filter((m) => m.cli).map((m) => m.name);
  const ownPublish = modules.filter((m) => m.cli?.publish).map((m) => m.name);
  const own = Object.values(dialectCommands(modules)).map((c) => `  ${c.summary}`);
  return `Usage: streamhub <command> [options]

Commands:
  serve [--config <file>]          run StreamHub (the same as npm start)
  publish <dialect>:<name> [data]  publish (${ownPublish.map((n) => `${n}: own client`).join(', ')}${ownPublish.length ? ', others: ' : ''}operator HTTP API)
  subscribe <dialect>:<name>       print a channel's messages (${names.join(', ')})
  status                           the node's status from the operator admin API, human-readable
${own.join('\n')}
  help [command]                   help for one command

Common options:
  --url <url>       operator base URL (default http://127.0.0.1:<operator.port>, https with server.tls)
  --host <host>     host of the dialect listeners for subscribe and publish streamhub: (default 127.0.0.1)
  --token <token>   operator admin token (default operator.adminToken: STREAMHUB_OPERATOR_TOKEN or the config file)
  --config <file>   read ports, TLS and the token from this config file (as the server does)
  --tls             use https/wss even when the local config has no server.tls
  --ca <file>       trust this CA certificate (PEM) for https/wss
  --insecure        do not verify the server's TLS certificate
  --json            machine-readable output
  -h, --help        this help

Exit codes: 0 ok; 1 the server was unreachable, refused or failed; 2 usage or configuration error;
3 unauthorized (wrong or missing token, a token that does not grant the permission, or the admin API
is disabled); 4 not found.`;
}

/** The dialects' own commands by name (`DialectCli.commands`). */
function dialectCommands(modules: readonly AnyDialectModule[]): Record<string, DialectCommand> {
  return Object.assign({}, ...modules.map((m) => m.cli?.commands ?? {})) as Record<string, DialectCommand>;
}

function commandHelp(modules: readonly AnyDialectModule[]): Record<string, string> {
  const own = Object.fromEntries(Object.entries(dialectCommands(modules)).map(([name, c]) => [name, c.help]));
  return { serve: SERVE_HELP, publish: publishHelp(modules), subscribe: subscribeHelp(modules), status: STATUS_HELP, ...own };
}

/** Value and boolean flags: the common ones, the built-in commands', and every dialect's. */
function flagsOf(modules: readonly AnyDialectModule[]): { value: string[]; boolean: string[] } {
  const clis = modules.flatMap((m) => (m.cli ? [m.cli] : []));
  const commands = Object.values(dialectCommands(modules));
  const subscribeFlags = clis.flatMap((c) => c.subscribeFlags ?? []);
  return {
    value: [...TARGET_VALUE_FLAGS, 'count', 'timeout', 'stream-url', 'data', 'idempotency-key', ...subscribeFlags.filter((f) => f.value).map((f) => f.flag), ...commands.flatMap((c) => c.valueFlags ?? [])],
    boolean: [...TARGET_BOOLEAN_FLAGS, 'text', 'base64', ...subscribeFlags.filter((f) => !f.value).map((f) => f.flag), ...commands.flatMap((c) => c.booleanFlags ?? [])],
  };
}

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  rawStdout(bytes: Buffer): void;
  readStdin(): Promise<string>;
  /** Binary standard input and output for relay-publish/relay-receive (default: the process's). */
  readonly stdinStream?: Readable;
  readonly stdoutStream?: Writable;
  /** Aborted on SIGINT/SIGTERM: a running subscribe ends cleanly. */
  readonly signal: AbortSignal;
}

/** Runs one command; resolves with the exit code (`serve` never resolves while the server runs). */
export async function runCli(argv: readonly string[], cli: CliIo, modules: readonly AnyDialectModule[] = DIALECT_MODULES): Promise<number> {
  const [command, ...rest] = argv;
  const HELP = helpText(modules);
  const COMMAND_HELP = commandHelp(modules);
  const own = dialectCommands(modules);
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      if (command === undefined) {
        cli.stderr(HELP);
        return Exit.usage;
      }
      cli.stdout(HELP);
      return Exit.ok;
    }
    if (command === 'help') {
      const topic = rest[0];
      if (topic && !COMMAND_HELP[topic]) throw new CliError(`no such command "${topic}"`, Exit.usage);
      cli.stdout(topic ? COMMAND_HELP[topic]! : HELP);
      return Exit.ok;
    }
    if (command === 'serve') {
      if (rest.includes('--help') || rest.includes('-h')) {
        cli.stdout(SERVE_HELP);
        return Exit.ok;
      }
      await (await import('./serve.js')).serve(rest);
      return Exit.ok;
    }
    if (!COMMAND_HELP[command]) throw new CliError(`unknown command "${command}" (see streamhub --help)`, Exit.usage);
    const flags = flagsOf(modules);
    const args = parseArgs(rest, flags.value, flags.boolean);
    if (args.flags.has('help')) {
      cli.stdout(COMMAND_HELP[command]!);
      return Exit.ok;
    }
    const target = (await import('./target.js')).resolveTarget(args, cli.env);
    switch (command) {
      case 'publish': {
        const io = { readStdin: cli.readStdin, stdin: cli.stdinStream ?? process.stdin, line: cli.stdout, note: cli.stderr };
        await (await import('./publish.js')).publish(args, target, io, cli.signal, modules);
        return Exit.ok;
      }
      case 'status':
        return (await (await import('./status.js')).status(args, target, cli.stdout)) ? Exit.ok : Exit.failure;
      case 'subscribe':
        await (await import('./subscribe.js')).subscribe(args, target, { line: cli.stdout, raw: cli.rawStdout, note: cli.stderr }, cli.signal, modules);
        return Exit.ok;
      default: {
        const io = { stdin: cli.stdinStream ?? process.stdin, stdout: cli.stdoutStream ?? process.stdout, line: cli.stdout, note: cli.stderr };
        await own[command]!.run(args, target, io, cli.signal);
        return Exit.ok;
      }
    }
  } catch (err) {
    if (err instanceof CliError) {
      cli.stderr(`streamhub: ${err.message}`);
      return err.exit;
    }
    cli.stderr(`streamhub: ${(err as Error).stack ?? String(err)}`);
    return Exit.failure;
  }
}

/** The process entry used by bin/streamhub.js. */
export async function cliMain(): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  const argv = process.argv.slice(2);
  if (argv[0] !== 'serve') {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const code = await runCli(argv, {
    env: process.env,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    rawStdout: (bytes) => process.stdout.write(bytes),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    signal: abort.signal,
  });
  if (argv[0] === 'serve' && code === Exit.ok) return;
  process.exitCode = code;
}
