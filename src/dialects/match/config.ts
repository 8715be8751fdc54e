import { z } from 'zod';
import { checkOpenDataFolder, SHIPPED_MATCH_ID } from '../../producers/match/statsbomb/source.js';
import { capsSchema, durationMs, port, positiveInt, queueSchema, type EnvBinding } from '../../config/common.js';

/**
 * A configured StatsBomb folder is read at start, so that a wrong path stops the boot (exit 2)
 * naming the file rather than failing in the background on every loop (issue 14).
 */
function checkReplaySource(demo: { statsbomb: boolean; statsbombDir: string | null; statsbombMatchId: number }, ctx: z.RefinementCtx): void {
  if (demo.statsbombDir === null) {
    if (demo.statsbombMatchId !== SHIPPED_MATCH_ID) {
      ctx.addIssue({ code: 'custom', path: ['statsbombMatchId'], message: `the shipped data holds only match ${SHIPPED_MATCH_ID}; set match.demo.statsbombDir (STREAMHUB_STATSBOMB_DIR) to a StatsBomb open-data folder` });
    }
    return;
  }
  if (!demo.statsbomb) return;
  for (const problem of checkOpenDataFolder(demo.statsbombDir, demo.statsbombMatchId)) ctx.addIssue({ code: 'custom', path: ['statsbombDir'], message: problem });
}

/** The match dialect (seed 000, protocol-notes §1). */
export const matchSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4001),
    /** Bearer token for GET /admin/status. Null: 503 admin_disabled (notes §1.3). */
    adminToken: z.string().min(1).nullable().default(null),
    /** Seed: per-IP cap 4 (STREAM_PER_IP_MAX), total cap 5000 per origin. */
    ...capsSchema({ perIpMax: 4, totalMax: 5000 }),
    /** Seed: ring_size 1024. */
    ringSize: positiveInt.default(1024),
    /** Seed: replay_window_ms 60000, measured on match time `t`. */
    replayWindowMs: durationMs.min(1).default(60_000),
    /** Bytes bound of one match's ring. */
    ringMaxBytes: positiveInt.default(64 * 1024 * 1024),
    /** Seed: x_keepalive every 30 s when nothing else was sent. */
    keepaliveMs: durationMs.min(100).default(30_000),
    /**
     * RFC 6455 ping every this long; a client that has not answered the previous ping is dropped
     * (a dead peer must not hold a cap slot until TCP gives up). 0 disables.
     */
    pingIntervalMs: durationMs.default(30_000),
    /** Clients send nothing; what they send is ignored, up to this frame size (then close 1009). */
    maxClientFrameBytes: positiveInt.default(4096),
    /** Notes decision: score, period, substitution, card and shoot-out events outlive the window. */
    stickyEvents: z.boolean().default(true),
    /** Most sticky events kept per match. */
    maxStickyEvents: positiveInt.default(512),
    /** Original: STREAM_SUB_QUEUE_MAX 120, drop-oldest, close 1011 after a 5 s stall. */
    queue: queueSchema({ maxMessages: 120, maxBytes: 8 * 1024 * 1024, overflow: 'drop-oldest', stallTimeoutMs: 5_000 }),
    /** Live messages held per subscriber while its replay is fetched. */
    maxPendingDuringReplay: positiveInt.default(4096),
    /** After a close frame to a client that does not answer (e.g. a stalled one), the socket is dropped this long later. */
    closeTimeoutMs: durationMs.min(1).default(2_000),
    /** A match is forgotten this long after its last message (its ring stays for the window after the producer leaves). */
    idleTtlMs: durationMs.default(60_000),
    ingest: z
      .object({
        /** Token producers present (`Authorization: Bearer` or `?token=`) on /v1/ingest. Null: ingest endpoint disabled. */
        token: z.string().min(1).nullable().default(null),
        /** Largest producer frame accepted. */
        maxFrameBytes: positiveInt.default(1024 * 1024),
        /** The original's mode: the server dials out to these producer URLs (STREAM_PRODUCER_URLS). */
        producerUrls: z.array(z.string().url()).default([]),
        reconnectMinMs: durationMs.min(10).default(500),
        reconnectMaxMs: durationMs.min(10).default(8_000),
        /** Each reconnect delay is stretched by up to this fraction at random (the original: 25 %). */
        reconnectJitter: z.number().min(0).max(1).default(0.25),
        /** Most producer connections accepted on /v1/ingest at once. */
        maxConnections: positiveInt.default(64),
        /**
         * Most publishes of one producer connection waiting for the broker; at it the server stops
         * reading that producer's socket until half have settled (backpressure, issue 15 item 2).
         */
        maxInflight: positiveInt.default(1024),
        /** Most bytes (as received) of one producer's publishes waiting for the broker; past it reading pauses likewise. */
        maxInflightBytes: positiveInt.default(4 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    demo: z
      .object({
        /** The synthetic match `demo`. */
        mock: z.boolean().default(true),
        /** The StatsBomb replay `fifa-wc-2022-final-arg-fra`, looping. */
        statsbomb: z.boolean().default(true),
        /** Replay speed factor (1 = real time). */
        speed: z.number().positive().max(1000).default(1),
        /**
         * Replay a whole match: a folder laid out as StatsBomb's open-data repository
         * (`events/<id>.json`, `lineups/<id>.json`, optional `three-sixty/<id>.json`). Null: the
         * shipped excerpt (`data/statsbomb/`, the 2022 final's first 4½ minutes). Checked at start.
         */
        statsbombDir: z.string().min(1).nullable().default(null),
        /** The StatsBomb match replayed from `statsbombDir` (3869685: the 2022 World Cup final). */
        statsbombMatchId: positiveInt.default(SHIPPED_MATCH_ID),
      })
      .strict()
      .superRefine(checkReplaySource)
      .prefault({}),
  })
  .strict()
  .prefault({});

export const matchEnv: EnvBinding[] = [
  { name: 'STREAM_ADMIN_TOKEN', path: 'match.adminToken', type: 'nullable-string', doc: 'seed 000' },
  { name: 'STREAM_PER_IP_MAX', path: 'match.perIpMax', type: 'int', doc: 'seed 000' },
  { name: 'STREAMHUB_MATCH_PORT', path: 'match.port', type: 'int' },
  { name: 'STREAM_PORT', path: 'match.port', type: 'int', aliasOf: 'STREAMHUB_MATCH_PORT' },
  { name: 'STREAM_MAX_CONNS_PER_IP', path: 'match.perIpMax', type: 'int', aliasOf: 'STREAM_PER_IP_MAX' },
  { name: 'STREAM_MAX_CONNS_TOTAL', path: 'match.totalMax', type: 'int' },
  { name: 'STREAM_RING_SECONDS', path: 'match.replayWindowMs', type: 'seconds-to-ms' },
  { name: 'STREAM_INGEST_TOKEN', path: 'match.ingest.token', type: 'nullable-string' },
  { name: 'STREAM_PRODUCER_URLS', path: 'match.ingest.producerUrls', type: 'list' },
  { name: 'STREAM_SUB_QUEUE_MAX', path: 'match.queue.maxMessages', type: 'int' },
  { name: 'STREAM_SUB_STALL_MS', path: 'match.queue.stallTimeoutMs', type: 'int' },
  { name: 'STREAMHUB_STATSBOMB_DIR', path: 'match.demo.statsbombDir', type: 'nullable-string' },
  { name: 'STREAMHUB_STATSBOMB_MATCH_ID', path: 'match.demo.statsbombMatchId', type: 'int' },
];
