import { z } from 'zod';
import { capsSchema, durationMs, nonNegativeInt, port, positiveInt, queueSchema, type EnvBinding } from '../../config/common.js';

const MIB = 1024 * 1024;

/** An IP address or CIDR block, or `*` (everyone), as the original's allow-lists take them. */
const ipListEntry = z.string().min(1);

/**
 * The relay dialect (seed 002, protocol-notes §3 and the decisions at the top).
 * Every bound below is a setting with its default here; PROTOCOL.md lists them with env names.
 */
export const relaySchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4003),
    /** Original: MAX_IP_CONCURRENT_CONNECTIONS, default 4 (notes §3.2). Total cap is ours. */
    ...capsSchema({ perIpMax: 4, totalMax: 10_000 }),
    /** Original: CONCURRENT_LIMIT_WHITELIST: IPs/CIDRs exempt from the per-IP cap; `*` exempts everyone. */
    concurrentLimitWhitelist: z.array(ipListEntry).default([]),
    /** Original: PLAY_WHITELIST: IPs/CIDRs allowed to receive/probe; empty or `*` means everyone. */
    playWhitelist: z.array(ipListEntry).default([]),
    /** Original: GOP_CACHE_SIZE_MB (256 MiB); payload bytes + overhead per chunk kept per publish. 0 disables the cache. */
    gopCacheBytes: nonNegativeInt.default(256 * MIB),
    /** Original: 16 bytes charged per cached chunk on top of its length (notes §3.5). */
    chunkOverheadBytes: nonNegativeInt.default(16),
    /** Notes decision: the publish's first chunk (the WebM header) is pinned outside the byte budget. */
    pinFirstChunk: z.boolean().default(true),
    /** Largest binary message a publisher may send; above it the connection is closed with 1009 (notes §3.3). */
    maxChunkBytes: positiveInt.default(64 * MIB),
    /** Largest frame a receiver or probe may send (they only send `h`); above it: 1009. */
    maxReceiverFrameBytes: positiveInt.default(64 * 1024),
    /** Seed §Heartbeat / notes §3.3: the server sends text `h` this often. */
    heartbeatIntervalMs: durationMs.min(10).default(20_000),
    /** Notes §3.3: a connection without a data frame (text or binary) for this long is closed. */
    idleTimeoutMs: durationMs.min(10).default(60_000),
    /** After the server sends a close frame, the TCP connection is dropped if the peer has not closed within this time. */
    closeGraceMs: durationMs.min(1).default(5_000),
    /** Publisher chunks accepted but not yet taken by the broker; past it the publisher's socket stops being read. */
    maxPublishBacklogBytes: positiveInt.default(128 * MIB),
    /** Publisher chunks accepted but not yet taken by the broker, counted (many tiny chunks); at it reading pauses likewise. */
    maxPublishBacklogChunks: positiveInt.default(4096),
    /** A receiver whose socket made no progress for this long while above its high watermark is closed (4008). */
    stallTimeoutMs: durationMs.min(10).default(30_000),
    /** The cached channel state is forgotten this long after its last publish (ended publishes leave only an empty slot). */
    channelIdleTtlMs: durationMs.default(3_600_000),
    /** Live messages held per receiver while its cache replay is fetched; past it: 4008. */
    maxPendingDuringReplay: positiveInt.default(4096),
    /** Each receiver's live queue: bytes and chunks waiting on a slow socket; overflow closes it (4008). */
    queue: queueSchema({ maxMessages: 4096, maxBytes: 32 * MIB, overflow: 'close', stallTimeoutMs: 0 }),
    keyVerification: z
      .object({
        /** Original: KEY_VERIFICATION_URL. Null: standalone mode (any publish key; receivers must match it). */
        url: z.string().url().nullable().default(null),
        /** Original coordinator: 20 s; a timeout denies. */
        timeoutMs: durationMs.min(1).default(20_000),
        /** Sent as the `Authorization` header of the verification POST, when set. */
        authorization: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const relayEnv: EnvBinding[] = [
  { name: 'STREAMHUB_RELAY_PORT', path: 'relay.port', type: 'int' },
  { name: 'MAX_IP_CONCURRENT_CONNECTIONS', path: 'relay.perIpMax', type: 'int', doc: 'original relay' },
  { name: 'CONCURRENT_LIMIT_WHITELIST', path: 'relay.concurrentLimitWhitelist', type: 'list', doc: 'original relay' },
  { name: 'PLAY_WHITELIST', path: 'relay.playWhitelist', type: 'list', doc: 'original relay' },
  { name: 'GOP_CACHE_SIZE_MB', path: 'relay.gopCacheBytes', type: 'mib-to-bytes', doc: 'original relay' },
  { name: 'KEY_VERIFICATION_URL', path: 'relay.keyVerification.url', type: 'nullable-string', doc: 'original coordinator' },
  { name: 'STREAMHUB_RELAY_KEY_VERIFICATION_TIMEOUT_MS', path: 'relay.keyVerification.timeoutMs', type: 'int' },
  { name: 'STREAMHUB_RELAY_KEY_VERIFICATION_AUTHORIZATION', path: 'relay.keyVerification.authorization', type: 'nullable-string' },
  { name: 'STREAMHUB_RELAY_TOTAL_MAX', path: 'relay.totalMax', type: 'int' },
  { name: 'STREAMHUB_RELAY_MAX_CHUNK_BYTES', path: 'relay.maxChunkBytes', type: 'int' },
];
