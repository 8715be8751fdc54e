/**
 * The `streamhub` section: StreamHub's own protocol (issue 18, PROTOCOL.md §18). Every bound has
 * its default here, next to its meaning.
 */
import { z } from 'zod';
import { capsSchema, durationMs, nonNegativeInt, port, positiveInt, type EnvBinding } from '../../config/common.js';

const nullableString = z.string().min(1).nullable().default(null);

/** `scheme://host[:port]` and nothing else: what a browser sends in `Origin` [RFC 6454 §6.1]. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text.replace(/\/+$/, '').toLowerCase();
  } catch {
    return false;
  }
}

export const streamhubSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** PROTOCOL.md §1; env STREAMHUB_PROTOCOL_PORT. */
    port: port.default(4005),
    /** WebSocket and SSE connections together, refused before the upgrade / stream (429 / 503). */
    ...capsSchema({ perIpMax: 64, totalMax: 10_000 }),
    /**
     * Web pages (origins) that may open a WebSocket or an EventSource here (PROTOCOL.md §20): `*` or
     * exact origins (`https://app.example.com`). A page of another origin is refused 403
     * `origin_not_allowed`; requests without `Origin` (servers, the CLI) are not concerned. Env
     * STREAMHUB_ALLOWED_ORIGINS (comma-separated).
     */
    allowedOrigins: z
      .array(z.string().refine((o) => o === '*' || isOrigin(o), { message: 'an origin is `*` or scheme://host[:port], without a path' }))
      .max(1000)
      .default(['*']),
    /** Largest client frame; the WebSocket layer closes 1009 past it. */
    maxFrameBytes: positiveInt.max(16 * 1024 * 1024).default(65_536),
    maxSubscriptionsPerConnection: positiveInt.max(100_000).default(128),
    maxChannelNameBytes: positiveInt.max(1024).default(200),
    /** Largest `limit` of a history command, and its default. */
    maxHistoryLimit: positiveInt.max(100_000).default(1000),
    /** Payload bytes of one publish (after base64 decoding). */
    maxPublishBytes: positiveInt.max(16 * 1024 * 1024).default(65_536),
    /** The `connect` frame must arrive this soon after the upgrade (close 4004). */
    connectTimeoutMs: durationMs.min(10).default(10_000),
    /** Server `ping` interval; a client silent for twice this is closed 4002. */
    pingIntervalMs: durationMs.min(10).default(25_000),
    /** Commands per connection: a token bucket; past it a command is answered `rate_limited`. */
    rate: z
      .object({ commandsPerSecond: positiveInt.default(100), burst: positiveInt.default(200) })
      .strict()
      .prefault({}),
    /** Each subscription's live queue in the hub; overflow closes the connection 4001 `slow_client`. */
    queue: z
      .object({
        maxMessages: positiveInt.default(1000),
        maxBytes: positiveInt.default(4 * 1024 * 1024),
        /** Socket bytes buffered above which the hub queues instead of writing. */
        highWaterMarkBytes: positiveInt.default(1 << 20),
      })
      .strict()
      .prefault({}),
    /** Live messages held per channel while its replay is read; past it: 4001. */
    maxPendingDuringReplay: positiveInt.default(10_000),
    /** Retention of `streamhub:` channels (other channels keep their dialect's). */
    retention: z
      .object({
        maxMessages: positiveInt.default(1000),
        maxBytes: positiveInt.default(4 * 1024 * 1024),
        /** 0: no age limit. */
        maxAgeMs: durationMs.default(0),
        maxPinned: nonNegativeInt.default(0),
        /** The channel is forgotten this long after its last publish; 0 never. */
        idleTtlMs: durationMs.default(3_600_000),
      })
      .strict()
      .prefault({}),
    presence: z
      .object({
        /** Encoded presence `info` of one client. */
        maxInfoBytes: positiveInt.max(65_536).default(1024),
        /** Most members one `presence` reply lists. */
        maxMembersListed: positiveInt.max(10_000).default(100),
        /** Join/leave pushes stop while a channel has more members than this (counts keep working). */
        maxJoinLeaveMembers: positiveInt.default(1000),
      })
      .strict()
      .prefault({}),
    sse: z
      .object({
        maxChannels: positiveInt.max(1000).default(16),
        /** A `: hb` comment this often keeps proxies from closing an idle stream. */
        heartbeatMs: durationMs.min(10).default(15_000),
        /** `retry:` advised to EventSource. */
        retryMs: durationMs.default(3000),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        /** HS256 secret, raw UTF-8; env STREAMHUB_JWT_SECRET. */
        hmacSecret: nullableString,
        /** RS256 public key (PEM, SPKI or certificate); env STREAMHUB_JWT_PUBLIC_KEY. */
        publicKey: nullableString,
        /** RS256 keys from a JWKS URL, chosen by `kid`; env STREAMHUB_JWT_JWKS_URL. */
        jwksUrl: nullableString,
        issuer: nullableString,
        audience: nullableString,
        clockToleranceMs: durationMs.default(5000),
        /** `refresh_required` is pushed this long before `exp`. */
        refreshAheadMs: durationMs.default(30_000),
        jwksTimeoutMs: durationMs.min(1).default(5000),
        jwksCacheMaxAgeMs: durationMs.default(600_000),
        /** Connections without a token get subscribe + history on `anonymousChannels`; env STREAMHUB_ANONYMOUS. */
        anonymous: z.boolean().default(false),
        anonymousChannels: z.array(z.string().min(1).max(256)).max(100).default(['*']),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type StreamhubOptions = z.output<typeof streamhubSchema>;

export const streamhubEnv: EnvBinding[] = [
  { name: 'STREAMHUB_PROTOCOL_PORT', path: 'streamhub.port', type: 'int', doc: 'port of StreamHub’s own protocol (WebSocket + SSE)' },
  { name: 'STREAMHUB_JWT_SECRET', path: 'streamhub.auth.hmacSecret', type: 'nullable-string', doc: 'HS256 secret of streamhub tokens (raw UTF-8)' },
  { name: 'STREAMHUB_JWT_PUBLIC_KEY', path: 'streamhub.auth.publicKey', type: 'nullable-string', doc: 'RS256 public key (PEM) of streamhub tokens' },
  { name: 'STREAMHUB_JWT_JWKS_URL', path: 'streamhub.auth.jwksUrl', type: 'nullable-string', doc: 'JWKS URL of streamhub tokens (RS256)' },
  { name: 'STREAMHUB_ALLOWED_ORIGINS', path: 'streamhub.allowedOrigins', type: 'list', doc: 'pages allowed to connect: * or comma-separated origins' },
  { name: 'STREAMHUB_ANONYMOUS', path: 'streamhub.auth.anonymous', type: 'bool', doc: 'allow read-only connections without a token' },
];
