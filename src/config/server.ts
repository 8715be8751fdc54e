import { z } from 'zod';
import { durationMs, nonNegativeInt, port, positiveInt, type EnvBinding } from './common.js';

/** Settings shared by every listener. */
export const serverSchema = z
  .object({
    /** Interface every listener binds to (DESIGN.md: all interfaces by default). */
    host: z.string().min(1).default('0.0.0.0'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Redis URL; when set the Redis broker replaces the embedded memory broker. */
    redisUrl: z.string().url().nullable().default(null),
    /** How long a graceful shutdown waits for sockets to drain before closing them hard. */
    shutdownDeadlineMs: durationMs.default(10_000),
    /** An HTTP upgrade (or any request) must complete its headers within this time (slowloris guard). */
    handshakeTimeoutMs: durationMs.min(100).default(10_000),
    /**
     * Accept queue of every listening socket. A burst of connects beyond it loses SYNs, which
     * clients retry only after 1 s. The kernel caps it at net.core.somaxconn.
     */
    listenBacklog: positiveInt.max(65_535).default(4096),
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
     * Multi-core mode: this many worker processes share every listener (node:cluster) and share
     * channels through the Redis broker, so `redisUrl` is required above 1. 1 = a single process.
     */
    workers: z.number().int().min(1).max(256).default(1),
    /** A worker that dies is restarted after this delay (doubling up to 30 s while it keeps dying). */
    workerRestartDelayMs: z.number().int().min(10).max(60_000).default(1_000),
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
  })
  .strict()
  .superRefine((server, ctx) => {
    if (server.workers > 1 && !server.redisUrl) {
      ctx.addIssue({ code: 'custom', path: ['workers'], message: 'workers > 1 needs server.redisUrl (STREAMHUB_REDIS_URL): workers share channels through Redis' });
    }
  })
  .prefault({});

export const operatorSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4000),
    /** Bearer token for the operator admin API and HTTP publish API. Null: those endpoints answer 503. */
    adminToken: z.string().min(1).nullable().default(null),
    /**
     * True: the dashboard's JSON (`GET /api/dashboard`: counts, rates, channel names, broker health; never a
     * token or a key) needs no token. False: it needs the admin bearer token like the admin API.
     */
    publicDashboard: z.boolean().default(true),
    /** Most channels listed in the dashboard JSON (busiest first); the totals still count every channel. */
    dashboardMaxChannels: positiveInt.max(10_000).default(200),
    /** Largest `POST /api/publish` body; past it the answer is 413. */
    maxPublishBytes: positiveInt.max(64 * 1024 * 1024).default(1024 * 1024),
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
  { name: 'STREAMHUB_REDIS_URL', path: 'server.redisUrl', type: 'nullable-string' },
  { name: 'STREAMHUB_SHUTDOWN_DEADLINE_MS', path: 'server.shutdownDeadlineMs', type: 'int' },
  { name: 'STREAMHUB_HANDSHAKE_TIMEOUT_MS', path: 'server.handshakeTimeoutMs', type: 'int' },
  { name: 'STREAMHUB_TRUSTED_PROXIES', path: 'server.trustedProxies', type: 'list' },
  { name: 'STREAMHUB_TLS_CERT', path: 'server.tls.certFile', type: 'string', doc: 'PEM certificate path; set with STREAMHUB_TLS_KEY' },
  { name: 'STREAMHUB_TLS_KEY', path: 'server.tls.keyFile', type: 'string', doc: 'PEM private key path; set with STREAMHUB_TLS_CERT' },
  { name: 'STREAMHUB_DEMO', path: 'server.demo', type: 'bool' },
  { name: 'STREAMHUB_WORKERS', path: 'server.workers', type: 'int' },
  { name: 'STREAMHUB_OPERATOR_PORT', path: 'operator.port', type: 'int' },
  { name: 'STREAMHUB_OPERATOR_TOKEN', path: 'operator.adminToken', type: 'nullable-string' },
  { name: 'STREAMHUB_PUBLIC_DASHBOARD', path: 'operator.publicDashboard', type: 'bool' },
];
