/** The help text of each command (kept apart so `--help` loads no client code). */
import type { AnyDialectModule } from '../dialects/index.js';

export const SERVE_HELP = `Usage: streamhub serve [--config <file>]

Runs StreamHub (the same as "npm start"): every enabled dialect, the operator listener and,
unless server.demo is false (STREAMHUB_DEMO=false), the demo producers. Settings come from the
config file and the environment (docs/config.md). SIGTERM or SIGINT shuts down gracefully.`;

export const PUBLISH_HELP = `Usage: streamhub publish <dialect>:<name> [data] [options]

Publishes one message through the operator's HTTP publish API (POST /api/publish).
<data> is JSON; without it (or with "-") it is read from standard input.

Options:
  --text       send <data> as a plain string (encoding "text")
  --base64     <data> is base64 of binary bytes (encoding "base64"; e.g. a relay chunk)
  --json       print the server's JSON answer
  plus the common options (--url, --token, --config, --ca, --insecure)

Examples:
  streamhub publish match:demo '{"type":"event.score_change","t":1000,"home":1,"away":0}'
  echo '{"event":"hello","data":{}}' | streamhub publish nova:550e8400-e29b-41d4-a716-446655440000`;

/** `streamhub subscribe` help: one line per dialect and its flags, from the registry. */
export function subscribeHelp(modules: readonly AnyDialectModule[]): string {
  const clis = modules.flatMap((m) => (m.cli ? [m.cli] : []));
  const flags = clis.flatMap((c) => c.subscribeFlags ?? []).map((f) => `  ${`--${f.flag}${f.value ? ' <value>' : ''}`.padEnd(19)}${f.help}`);
  return `Usage: streamhub subscribe <dialect>:<name> [options]

Prints a channel's messages, one per line (text frames as sent; binary as "<binary N bytes>").
${clis.map((c) => `  ${c.subscribeHelp}`).join('\n')}

Options:
  --count <n>        exit (0) after n messages
  --timeout <ms>     exit (1) if the count is not reached within this time
${flags.join('\n')}
  --stream-url <url> connect to this URL instead of the one derived from the channel
  plus the common options (--host, --config, --tls, --ca, --insecure)

Each dialect's liveness traffic (heartbeats, pings) is answered or skipped, not printed.`;
}

export const STATUS_HELP = `Usage: streamhub status [options]

Shows the node's status from the operator admin API (GET /api/status, bearer token):
broker health, subscribers, queues, drops, each dialect's connections and the busiest channels.

Options:
  --json       print the raw JSON
  plus the common options (--url, --token, --config, --ca, --insecure)

Exit code 0 when the broker is healthy, 1 when it is not.`;
