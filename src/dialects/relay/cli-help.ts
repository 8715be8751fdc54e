/** Help of the relay's own CLI commands (kept apart so `--help` loads no WebSocket code). */

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
