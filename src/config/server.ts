import { z } from 'zod';
import { durationMs, nonNegativeInt, port, positiveInt, requestBudgetSchema, type EnvBinding } from './common.js';

/** Settings shared by every listener. */
export const serverSchema = z
  .object({
    /** Interface every listener binds to (DESIGN.md: all interfaces by default). */
    host: z.string().min(1).default('0.0.0.0'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** `auto`: readable lines and a start-up banner on a terminal, JSON lines otherwise; `json` / `pretty` force one. */
    logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
    /**
     * Redis URL; when set the Redis broker replaces the embedded memory broker, and cluster
     * coordination (leases, caps, counter tables) uses this Redis. A Redis Cluster (7.0+) is
     * named by the scheme: `redis+cluster://host:port[?seeds=host:port,…]` (docs/cluster.md §8).
     */
    redisUrl: z.string().url().nullable().default(null),
    /**
     * Past one Redis (issue 17): the broker spreads channels over these Redis (or Valkey/KeyDB)
     * servers by a jump consistent hash of the channel name; every node must list the same URLs in
     * the same order. Empty: the broker is `redisUrl`'s. Coordination stays on `redisUrl` (or the
     * first shard when `redisUrl` is null). docs/cluster.md "Shards".
     */
    redisShardUrls: z.array(z.string().url()).max(256).default([]),
    /** Channels whose shard (`redisShardUrls`) each node remembers instead of hashing again; past it the memo starts over. */
    redisShardMemoMax: positiveInt.max(10_000_000).default(100_000),
    /**
     * Redis broker (issue 17): least ms between two publish-script calls of a channel whose last call
     * carried several messages. A busy channel's publishes wait up to this long to share one call
     * (Redis CPU per publish falls as batches grow); a channel quiet for this long, or a producer
     * awaiting each publish, is not delayed. 0: no wait. src/brokers/REDIS.md "Publish".
     */
    redisPublishLingerMs: durationMs.max(1_000).default(1),
    /**
     * Idempotency keys (issue 15 item 3): a producer-assigned message id is remembered per channel
     * by the broker (cluster-wide with Redis) for this long; a repeat inside it is not published again.
     */
    idempotencyWindowMs: durationMs.min(1).default(300_000),
    /** Most idempotency keys remembered per channel; past it the oldest is forgotten first. */
    idempotencyMaxKeys: positiveInt.max(1_000_000).default(10_000),
    /** How long a graceful shutdown waits for sockets to drain before closing them hard. */
    shutdownDeadlineMs: durationMs.default(10_000),
    /**
     * A graceful shutdown ends its connections one by one at jittered instants spread over this
     * window (issue 14), so their clients do not all reconnect in the same second. The drain happens
     * within the deadline: a window longer than shutdownDeadlineMs is cut to it. 0 ends them all at once.
     */
    shutdownDrainWindowMs: durationMs.default(5_000),
    /**
     * Slowloris guard: a connection must complete its TLS handshake (when TLS is on) and the head of
     * its first HTTP request (an upgrade or any request) within this time of its TCP accept.
     */
    handshakeTimeoutMs: durationMs.min(100).default(10_000),
    /**
     * Accept queue of every listening socket. A burst of connects beyond it loses SYNs, which
     * clients retry only after 1 s. The kernel caps it at net.core.somaxconn.
     */
    listenBacklog: positiveInt.max(65_535).default(4096),
    /**
     * Most TCP connections one client address may hold open on one listener, counted from the TCP
     * accept to the close whatever their stage (TLS handshake, HTTP request, upgraded session); the
     * next is closed at accept, before any TLS or HTTP work. Raised at start to twice the largest
     * per-IP cap of a dialect (`effectiveAcceptPerIpMax`), so it never refuses a client a dialect
     * would admit. Trusted proxies (counted per forwarded client at the upgrade) and relay's
     * concurrent-limit allow-list are exempt.
     */
    acceptPerIpMax: positiveInt.max(1_000_000).default(512),
    /**
     * Per-IP caps count an IPv6 client as its /N network: one host or one home line usually owns a
     * whole /64 [RFC 6177 §3]. 128 counts every address apart. IPv4-mapped addresses count as IPv4.
     */
    ipv6CapPrefix: z.number().int().min(1).max(128).default(64),
    /** Proxies whose X-Forwarded-For is trusted for the client IP: exact IPs or CIDR blocks. Empty: never trusted. */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /**
     * TLS for every listener (each dialect, the operator listener; spectra unless its seed settings
     * say otherwise): PEM file paths. Null: plain ws/http. Env: STREAMHUB_TLS_CERT + STREAMHUB_TLS_KEY.
     */
    tls: z
      .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
      .strict()
      .nullable()
      .default(null),
    /** Run the demo producers (`npm start`). */
    demo: z.boolean().default(true),
    /**
     * Multi-core mode: this many worker processes share every listener (node:cluster). They share
     * channels through the Redis broker when `redisUrl` is set, else through the primary process,
     * which is then their broker (embedded multi-core mode, src/brokers/ipc/). 1 = a single process.
     */
    workers: z.number().int().min(1).max(256).default(1),
    /** A worker that dies is restarted after this delay (doubling up to 30 s while it keeps dying). */
    workerRestartDelayMs: z.number().int().min(10).max(60_000).default(1_000),
    /**
     * Bounds of embedded multi-core mode (workers without Redis; src/brokers/ipc/): the primary's
     * broker and each worker's calls to it.
     */
    embeddedBroker: z
      .object({
        /** Batches written to one worker's IPC channel and not yet taken; at it, publishes wait (backpressure). */
        maxPendingBatches: positiveInt.max(1_000_000).default(64),
        /** Publishes waiting for a congested worker; past it a publish fails with ERR_CAPACITY (producers retry). */
        maxHeldPublishes: positiveInt.max(10_000_000).default(100_000),
        /** A worker whose IPC channel has not drained for this long is killed and restarted (its clients resume elsewhere). */
        stallTimeoutMs: durationMs.min(100).default(10_000),
        /** A worker's call to the primary fails after this long without an answer: publish, history, subscribe (ERR_BROKER), claims and member lists (ERR_COORDINATION). */
        callTimeoutMs: durationMs.min(100).default(10_000),
      })
      .strict()
      .prefault({}),
    /**
     * Most subscriber visits (channel passes, queue flushes) per event-loop turn: a fan-out to
     * many thousand sockets yields to I/O in between. Smaller: lower latency for other work,
     * fewer messages per write.
     */
    flushSliceSize: positiveInt.max(1_000_000).default(512),
    /**
     * Most live messages one channel collects for its next fan-out pass; past it the pass under
     * way is finished without yielding (input waits while output catches up). Bounds memory.
     */
    channelBatchLimit: positiveInt.max(1_000_000).default(4096),
    /**
     * Deepest nesting of objects/arrays in any JSON value a client sends (match ingest, spectra
     * payloads, nova frames and control API, elstat frames and incidents API, `POST /api/publish`).
     * Checked before anything is stored: a deeper value is refused the path's own way (issue 20:
     * 3,000 levels made a later `JSON.stringify` overflow the stack and end the process). At least 8
     * (the seeds' real messages are at most 5 deep); at most 512, well inside V8's recursion limit.
     */
    jsonMaxDepth: z.number().int().min(8).max(512).default(32),
    /** Most JSON values (objects, arrays, scalars) in one such document; refused the same way past it. */
    jsonMaxNodes: positiveInt.max(10_000_000).default(100_000),
    /**
     * New-connection rate limit of this node (issue 15 item 7, reconnect storms): a token bucket,
     * checked at every WebSocket upgrade and Engine.IO handshake, shared by every dialect. Over it a
     * client is refused the way its dialect's clients retry (503 with `Retry-After` before the
     * upgrade; spectra: an Engine.IO handshake error, so socket.io-client's `connect_error` backoff
     * applies), and counted in `streamhub_connections_rate_limited_total{dialect}`. A refusal takes
     * no token. docs/deployment.md "Reconnect storms".
     */
    connectionRate: z
      .object({
        /** Tokens added per second (new connections admitted per second, sustained). 0: no limit. */
        perSecond: nonNegativeInt.max(1_000_000).default(1_000),
        /** Tokens the bucket holds (connections admitted at once after a quiet spell). */
        burst: positiveInt.max(1_000_000).default(1_000),
        /**
         * Longest `Retry-After` (seconds) given. The Nth client refused in a burst is told to come
         * back when the Nth token is due, so a storm is spread over the refill, up to this bound.
         */
        retryAfterMaxSeconds: positiveInt.max(3_600).default(30),
        /**
         * Optional tighter bucket per dialect (`{"nova":{"perSecond":200,"burst":400}}`), taken
         * besides the node's. Keys must name a dialect (checked in config/index.ts against the registry).
         */
        byDialect: z
          .record(z.string(), z.object({ perSecond: positiveInt.max(1_000_000), burst: positiveInt.max(1_000_000) }).strict().optional())
          .default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/**
 * `server.acceptPerIpMax` as the listeners apply it: at least twice the largest per-IP cap of a
 * dialect, which leaves a client at its dialect cap room for plain HTTP requests and for Engine.IO's
 * second transport, and lets the dialect give its own specified refusal (429, 1013, connect_error).
 */
export function effectiveAcceptPerIpMax(acceptPerIpMax: number, dialectPerIpCaps: readonly number[]): number {
  return Math.max(acceptPerIpMax, ...dialectPerIpCaps.map((cap) => cap * 2));
}

export const operatorSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4000),
    /** Bearer token for the operator admin API and HTTP publish API. Null: those endpoints answer 503. */
    adminToken: z.string().min(1).nullable().default(null),
    /**
     * True: the dashboard's JSON (`GET /api/dashboard`: counts, rates, broker health; never a token or a
     * key) needs no token, and channel names are listed only with the admin bearer token. False: all of
     * it needs the admin bearer token like the admin API.
     */
    publicDashboard: z.boolean().default(true),
    /** Most channels listed in the dashboard JSON (busiest first); the totals still count every channel. */
    dashboardMaxChannels: positiveInt.max(10_000).default(200),
    /** Largest `POST /api/publish` body; past it the answer is 413. */
    maxPublishBytes: positiveInt.max(64 * 1024 * 1024).default(1024 * 1024),
    /**
     * `POST /api/publish` requests published at once on this node (issue 15 item 2); more wait,
     * unread, up to `maxWaitMs`, then get 503 with `Retry-After`.
     */
    publishInflight: requestBudgetSchema({ maxBytes: 16 * 1024 * 1024, maxCount: 256, maxWaiting: 1024, maxWaitMs: 5_000 }),
    /**
     * Retention of messages published through `POST /api/publish` to a dialect that supplies no
     * publisher of its own (the hub is used directly).
     */
    publishRetention: z
      .object({
        maxMessages: positiveInt.default(100),
        maxBytes: positiveInt.default(1024 * 1024),
        maxAgeMs: durationMs.default(0),
        maxPinned: nonNegativeInt.default(0),
        idleTtlMs: durationMs.default(3_600_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const serverEnv: EnvBinding[] = [
  { name: 'STREAMHUB_HOST', path: 'server.host', type: 'string' },
  { name: 'STREAMHUB_LOG_LEVEL', path: 'server.logLevel', type: 'string' },
  { name: 'STREAMHUB_LOG_FORMAT', path: 'server.logFormat', type: 'string', doc: 'auto, json or pretty' },
  { name: 'STREAMHUB_REDIS_URL', path: 'server.redisUrl', type: 'nullable-string' },
  { name: 'STREAMHUB_REDIS_SHARD_URLS', path: 'server.redisShardUrls', type: 'list', doc: 'comma-separated redis:// URLs, one per shard' },
  { name: 'STREAMHUB_SHUTDOWN_DEADLINE_MS', path: 'server.shutdownDeadlineMs', type: 'int' },
  { name: 'STREAMHUB_SHUTDOWN_DRAIN_WINDOW_MS', path: 'server.shutdownDrainWindowMs', type: 'int' },
  { name: 'STREAMHUB_HANDSHAKE_TIMEOUT_MS', path: 'server.handshakeTimeoutMs', type: 'int' },
  { name: 'STREAMHUB_TRUSTED_PROXIES', path: 'server.trustedProxies', type: 'list' },
  { name: 'STREAMHUB_ACCEPT_PER_IP_MAX', path: 'server.acceptPerIpMax', type: 'int' },
  { name: 'STREAMHUB_IPV6_CAP_PREFIX', path: 'server.ipv6CapPrefix', type: 'int' },
  { name: 'STREAMHUB_TLS_CERT', path: 'server.tls.certFile', type: 'string', doc: 'PEM certificate path; set with STREAMHUB_TLS_KEY' },
  { name: 'STREAMHUB_TLS_KEY', path: 'server.tls.keyFile', type: 'string', doc: 'PEM private key path; set with STREAMHUB_TLS_CERT' },
  { name: 'STREAMHUB_DEMO', path: 'server.demo', type: 'bool' },
  { name: 'STREAMHUB_WORKERS', path: 'server.workers', type: 'int' },
  { name: 'STREAMHUB_JSON_MAX_DEPTH', path: 'server.jsonMaxDepth', type: 'int' },
  { name: 'STREAMHUB_JSON_MAX_NODES', path: 'server.jsonMaxNodes', type: 'int' },
  { name: 'STREAMHUB_CONNECTION_RATE', path: 'server.connectionRate.perSecond', type: 'int', doc: 'new connections per second per node; 0: no limit' },
  { name: 'STREAMHUB_CONNECTION_BURST', path: 'server.connectionRate.burst', type: 'int' },
  { name: 'STREAMHUB_OPERATOR_PORT', path: 'operator.port', type: 'int' },
  { name: 'STREAMHUB_OPERATOR_TOKEN', path: 'operator.adminToken', type: 'nullable-string' },
  { name: 'STREAMHUB_PUBLIC_DASHBOARD', path: 'operator.publicDashboard', type: 'bool' },
];
