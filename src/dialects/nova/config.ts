import { z } from 'zod';
import { capsSchema, durationMs, port, positiveInt, queueSchema, requestBudgetSchema, type EnvBinding } from '../../config/common.js';

/** The seed's example stream id, run by the demo producer (DESIGN.md "demo ids"). */
export const NOVA_DEMO_STREAM_ID = '550e8400-e29b-41d4-a716-446655440000';

/** The nova dialect (seed 001, protocol-notes §2). Every limit and timer is a setting; see PROTOCOL.md. */
export const novaSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4002),
    /** Per-IP and total viewer connections (503 before the upgrade past either, notes §2.4.3). */
    ...capsSchema({ perIpMax: 20, totalMax: 10_000 }),
    jwt: z
      .object({
        /** HS256 shared secret, raw UTF-8 (NOVA_JWT_SECRET). */
        secret: z.string().min(1).nullable().default(null),
        /** RS256: a PEM public key, or an http(s) URL of a JWKS (NOVA_JWT_PUBLIC_KEY). */
        publicKey: z.string().min(1).nullable().default(null),
        /** Required `iss` when set. */
        issuer: z.string().min(1).nullable().default(null),
        /** Required `aud` when set. */
        audience: z.string().min(1).nullable().default(null),
        /** Leeway for `exp`/`nbf` checks. */
        clockToleranceMs: durationMs.max(300_000).default(5_000),
        /** Optional claim listing the stream ids a viewer may watch (array of ids, or "*"); absent = any stream. */
        streamsClaim: z.string().min(1).default('streams'),
        /** Deadline for fetching a remote JWKS. */
        jwksTimeoutMs: durationMs.min(100).default(5_000),
        /** How long a fetched JWKS is trusted before it is fetched again. */
        jwksCacheMaxAgeMs: durationMs.min(1_000).default(600_000),
      })
      .strict()
      .prefault({}),
    /** Bearer token of the stream control HTTP API (NOVA_CONTROL_TOKEN). Null: the control API answers 503. */
    controlToken: z.string().min(1).nullable().default(null),
    /** Largest control API request body. */
    controlMaxBodyBytes: positiveInt.max(1024 * 1024).default(16 * 1024),
    /**
     * Control API `POST`s published at once on this node (issue 15 item 2); more wait, unread, up
     * to `maxWaitMs`, then get 503 `BUSY` with `Retry-After`.
     */
    controlInflight: requestBudgetSchema({ maxBytes: 4 * 1024 * 1024, maxCount: 256, maxWaiting: 1024, maxWaitMs: 5_000 }),
    demo: z
      .object({
        /** Demo auth: when no JWT secret or public key is configured, accept HS256 tokens signed with `secret`. */
        enabled: z.boolean().default(true),
        /** Development-only HS256 secret; never used when `jwt.secret` or `jwt.publicKey` is set. */
        secret: z.string().min(16).default('streamhub-nova-demo-secret-not-for-production'),
        /** Lifetime of tokens minted by GET /api/v1/demo/token. */
        tokenTtlMs: durationMs.min(1_000).default(3_600_000),
        streamId: z.string().uuid().default(NOVA_DEMO_STREAM_ID),
      })
      .strict()
      .prefault({}),
    /** Accepted values of the `protocol` query parameter (seed: default 1.0); others get 400. */
    protocolVersions: z.array(z.string().min(1).max(16)).min(1).default(['1.0']),
    /** Seed: `ping` every 30 s (an RFC 6455 ping is sent with it). */
    pingIntervalMs: durationMs.min(10).default(30_000),
    /** Seed's "ping timeout" (10 s): informational, used only for latency accounting (notes §2.4.2). */
    pingTimeoutMs: durationMs.min(1).default(10_000),
    /** Notes §2.4.2: no inbound frame at all for this long → the TCP connection is terminated (no close frame). */
    idleTimeoutMs: durationMs.min(10).default(60_000),
    /** Seed: viewer_count_changed batched within 10–100 ms. */
    viewerCountWindowMs: z.number().int().min(10).max(100).default(50),
    /** Seed: inbound messages limited to 256 KB → close 1009. */
    maxFrameBytes: positiveInt.max(16 * 1024 * 1024).default(256 * 1024),
    /** Inbound messages per second per viewer (token bucket, burst = this); past it: error RATE_LIMITED, close 1008. */
    maxInboundPerSecond: positiveInt.default(20),
    /** Seed: backlog of 100 messages per viewer, oldest dropped first, then one BUFFER_OVERFLOW notice. */
    queue: queueSchema({ maxMessages: 100, maxBytes: 4 * 1024 * 1024, overflow: 'drop-oldest', stallTimeoutMs: 60_000 }),
    /** Live messages held per viewer while its snapshot is fetched. */
    maxPendingDuringReplay: positiveInt.default(1024),
    /** Recent stream events kept per stream by the broker (quality, bitrate, error). */
    historySize: positiveInt.max(10_000).default(32),
    /** Bytes bound of those recent events. */
    historyMaxBytes: positiveInt.default(1024 * 1024),
    /** Recent pinned `error`/`stream_ended` events the broker keeps per stream past the ring (bounds its pinned list). */
    maxProtected: positiveInt.max(1_000).default(16),
    /** Streams (live and ended) remembered by this node. Start of a new stream past it: 503. */
    maxStreams: positiveInt.default(10_000),
    /** An ended stream is remembered this long (connections get STREAM_ENDED), then it is unknown (404). */
    endedStreamTtlMs: durationMs.min(1).default(3_600_000),
    /**
     * Bound of one cluster-wide stream state lookup (pre-upgrade check, `get_stream_info`, control
     * calls) through the hub and broker (issue #7); past it this node's cached state answers.
     */
    stateLookupTimeoutMs: durationMs.min(10).max(60_000).default(2_000),
    /** Most `report_issue` reports kept for the admin API (oldest dropped). */
    recentReports: positiveInt.max(100_000).default(200),
    /** Largest `report_issue` description kept (longer ones are truncated). */
    reportMaxDescriptionChars: positiveInt.max(65_536).default(1_024),
  })
  .strict()
  .prefault({});

export const novaEnv: EnvBinding[] = [
  { name: 'STREAMHUB_NOVA_PORT', path: 'nova.port', type: 'int' },
  { name: 'NOVA_JWT_SECRET', path: 'nova.jwt.secret', type: 'nullable-string', doc: 'HS256 secret, raw UTF-8' },
  { name: 'NOVA_JWT_PUBLIC_KEY', path: 'nova.jwt.publicKey', type: 'nullable-string', doc: 'RS256 PEM or JWKS URL' },
  { name: 'NOVA_CONTROL_TOKEN', path: 'nova.controlToken', type: 'nullable-string', doc: 'stream control API token' },
  { name: 'STREAMHUB_NOVA_PER_IP_MAX', path: 'nova.perIpMax', type: 'int' },
  { name: 'STREAMHUB_NOVA_TOTAL_MAX', path: 'nova.totalMax', type: 'int' },
  { name: 'STREAMHUB_NOVA_DEMO_AUTH', path: 'nova.demo.enabled', type: 'bool' },
];
