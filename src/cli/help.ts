/** The help text of each command (kept apart so `--help` loads no client code). */
import type { AnyDialectModule } from '../dialects/index.js';

export const SERVE_HELP = `Usage: streamhub serve [--config <file>]

Runs StreamHub (the same as "npm start"): every enabled dialect, the operator listener and,
unless server.demo is false (STREAMHUB_DEMO=false), the demo producers. Settings come from the
config file and the environment (docs/config.md). SIGTERM or SIGINT shuts down gracefully.`;

/** `streamhub publish` help: the two ways in, and the dialects that publish through their own client (registry). */
export function publishHelp(modules: readonly AnyDialectModule[]): string {
  const own = modules.flatMap((m) => (m.cli?.publish ? [`  ${m.cli.publishHelp ?? `${m.name}:<name>`}`] : []));
  return `Usage: streamhub publish <dialect>:<name> [data] [options]

Publishes into a hub channel and prints each acknowledged position (offset, epoch).
<data> (or --data <data>) is JSON; without it (or with "-") it is read from standard input.
The channel is the hub name: what "publish streamhub:events" writes, "subscribe
streamhub:streamhub:events" reads (subscribe names the protocol first).

Two ways in:
${own.join('\n')}
  any other channel: one message through the operator's HTTP publish API (POST /api/publish,
    admin token), where the channel's own dialect validates it (match checks its frames) or
    stores it with operator.publishRetention. Standard input is the one message.

Options:
  --data <data>             the message (instead of the data argument)
  --text                    the data is a plain string (not JSON)
  --base64                  the data is base64 of binary bytes (e.g. a relay chunk)
  --idempotency-key <key>   a repeat within the server's window publishes nothing and answers the
                            original position (duplicate); line n of standard input gets <key>:<n>,
                            so re-running the same input after a failure publishes each line once
  --jwt <token>             a StreamHub protocol token (else STREAMHUB_TOKEN, else one minted from
                            STREAMHUB_JWT_SECRET when run beside the server); own-client channels only
  --json                    print each acknowledgement as JSON
  plus the common options (--url, --token, --config, --ca, --insecure; --host, --stream-url)

Exit codes: 0 every message acknowledged; 1 unreachable or refused (publish_refused,
payload_too_large, still rate_limited/unavailable after retries); 2 bad input (invalid JSON or base64,
bad_request); 3 unauthorized or not granted (permission_denied); 4 not found.

Examples:
  streamhub publish match:demo '{"type":"event.score_change","t":1000,"home":1,"away":0}'
  echo '{"event":"hello","data":{}}' | streamhub publish nova:550e8400-e29b-41d4-a716-446655440000
  STREAMHUB_TOKEN=<jwt> streamhub publish streamhub:chat:room1 --data '{"text":"hi"}'
  tail -f events.ndjson | streamhub publish streamhub:events --idempotency-key run-42`;
}

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
