/** The help text of each command (kept apart so `--help` loads nothing else). */

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

export const SUBSCRIBE_HELP = `Usage: streamhub subscribe <dialect>:<name> [options]

Prints a channel's messages, one per line (text frames as sent; binary as "<binary N bytes>").
  match:<match_id>        ws  /v1/match/<match_id>                  (port match.port, 4001)
  nova:<stream_id>        ws  /api/v1/streams/<id>/ws?token=<jwt>   (port nova.port, 4002; needs --jwt)
  relay:<channel>         ws  /<channel>/<key>/receive              (port relay.port, 4003; needs --key)
  elstat:<status|latency>:<service>  ws /api/streaming, op 0 subscribe (port elstat.port, 4004)
  spectra:<groupCode>     Socket.IO logon on the output port        (spectra.outputPort, 5200)

Options:
  --count <n>        exit (0) after n messages
  --timeout <ms>     exit (1) if the count is not reached within this time
  --jwt <token>      nova viewer token
  --key <key>        relay stream key
  --raw              relay: write the binary chunks to standard output unchanged
  --stream-url <url> connect to this URL instead of the one derived from the channel
  plus the common options (--host, --config, --tls, --ca, --insecure)

Heartbeats (relay "h", nova ping, match x_keepalive) are answered or skipped, not printed.`;

export const STATUS_HELP = `Usage: streamhub status [options]

Shows the node's status from the operator admin API (GET /api/status, bearer token):
broker health, subscribers, queues, drops, each dialect's connections and the busiest channels.

Options:
  --json       print the raw JSON
  plus the common options (--url, --token, --config, --ca, --insecure)

Exit code 0 when the broker is healthy, 1 when it is not.`;

export const RELAY_PUBLISH_HELP = `Usage: streamhub relay-publish <channel> <key> [file] [options]

Publishes a media stream to a relay channel (ws /<channel>/<key>/publish, port relay.port, 4003):
the file, or standard input when it is omitted or "-", goes out as binary messages of at most
--chunk-size bytes, in order. Receivers must present the same key. Ends (exit 0) at the end of
the input or on SIGINT/SIGTERM; the relay then closes the channel's receivers.

Options:
  --chunk-size <n>   largest message in bytes (default 65536; the relay refuses more than relay.maxChunkBytes)
  --stream-url <url> the relay base, ws(s)://host:port, instead of the one from the config
  plus the common options (--host, --config, --tls, --ca, --insecure)

Example:
  ffmpeg -re -i in.mp4 -c:v libvpx -f webm - | streamhub relay-publish demo my-key

Exit codes: 1 refused (429, 503) or closed by the relay (e.g. 1009 chunk too large); 2 bad
arguments or an unreadable file; 3 403 (already publishing, invalid key); 4 404 (bad channel or key).`;

export const RELAY_RECEIVE_HELP = `Usage: streamhub relay-receive <channel> <key> [options]

Receives a relay channel (ws /<channel>/<key>/receive): the cache first, then the live chunks,
written unchanged to --out or standard output. Waits for a publisher if none is live. Ends
(exit 0) when the publisher ends or on SIGINT/SIGTERM.

Options:
  --out <file>       write to this file instead of standard output
  --probe            receive one chunk only (the first cached one, normally the header)
  --stream-url <url> the relay base, ws(s)://host:port, instead of the one from the config
  plus the common options (--host, --config, --tls, --ca, --insecure)

Example:
  streamhub relay-receive demo my-key --out copy.webm && ffprobe copy.webm

Exit codes: 1 refused or closed abnormally; 2 bad arguments or an unwritable file; 3 the key
differs from the publisher's (ERROR: Invalid streaming key) or 403; 4 404.`;
