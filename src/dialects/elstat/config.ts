import { z } from 'zod';
import { capsSchema, durationMs, port, positiveInt, queueSchema, type EnvBinding } from '../../config/common.js';

/** Service names become channel names (`status:<name>`), so they stay short and plain. */
const serviceName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a service name is 1-64 characters of A-Z a-z 0-9 _ . -');

/**
 * One probed service (notes §5.3 "Service checker"). `target` depends on the adapter:
 * - `http`: an `http://` or `https://` URL; a GET answered with 200 means up;
 * - `tcp`: `host:port` (`[v6]:port` for IPv6); a completed TCP connect means up;
 * - `ping`: a host name or address for the system `ping -c 1`.
 */
export const elstatServiceSchema = z
  .object({
    name: serviceName,
    /** Shown by `GET /api/status` and the status page. */
    description: z.string().max(200).default(''),
    adapter: z.enum(['http', 'tcp', 'ping']),
    target: z.string().min(1).max(2048),
    /** Time between the end of one check and the start of the next (notes §5.3: 10-30 s). */
    intervalMs: durationMs.min(10).default(30_000),
    /** A check that has not answered within this is down (notes §5.3: 5-10 s). */
    timeoutMs: durationMs.min(10).default(10_000),
  })
  .strict()
  .superRefine((svc, ctx) => {
    if (svc.adapter === 'http' && !/^https?:\/\/[^\s]+$/i.test(svc.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'the http adapter needs an http:// or https:// URL' });
    }
    if (svc.adapter === 'tcp' && !/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(svc.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'the tcp adapter needs host:port' });
    }
    if (svc.adapter === 'ping' && !/^[A-Za-z0-9_.:-]+$/.test(svc.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'the ping adapter needs a host name or address' });
    }
  });

/** What a caller gives `addServices` (defaults may be left out). */
export type ElstatServiceInput = z.input<typeof elstatServiceSchema>;
/** A validated service with every default filled in. */
export type ElstatService = z.output<typeof elstatServiceSchema>;

/** The elstat dialect (seed 004, protocol-notes §5). */
export const elstatSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4004),
    /** Connection caps on /api/streaming, refused before the upgrade (DESIGN.md "Defaults that protect"). */
    ...capsSchema({ perIpMax: 64, totalMax: 10_000 }),
    /** Seed: "Payloads can not exceed 256 bytes in size"; a longer inbound frame closes 4420 TOO_MUCH. */
    maxFrameBytes: positiveInt.default(256),
    /** Transport bound: a message longer than this is refused by the WebSocket layer (1009) before it is buffered (Sanic's WEBSOCKET_MAX_SIZE, notes §5.3). */
    maxMessageBytes: positiveInt.default(1024 * 1024),
    /** Most channels one connection may hold; SUBSCRIBE past it leaves the extra channels out of SUBSCRIBED (notes §5.3: optional generous cap). */
    maxChannelsPerConnection: positiveInt.default(100),
    /** Notes decision: one DATA per newly subscribed channel with its last value, right after SUBSCRIBED. */
    replayLastValue: z.boolean().default(true),
    /** Notes decision: RFC 6455 pings every 20 s (Sanic's default). */
    pingIntervalMs: durationMs.min(10).default(20_000),
    /** A peer that has not answered this many pings in a row is dropped (notes §5.3: "drop peers that miss two"). */
    maxMissedPongs: positiveInt.default(2),
    /** Checks kept per service for `GET /api/status` (latency graph and uptime). */
    historyLength: positiveInt.max(100_000).default(360),
    /** The system ping command used by the `ping` adapter. */
    pingCommand: z.string().min(1).default('ping'),
    /** Probed services; `npm start` adds StreamHub's own listeners to these. */
    services: z.array(elstatServiceSchema).max(1000).default([]),
    incidents: z
      .object({
        /** Bearer token for the incident write API. Null: writes answer 503 incidents_disabled. */
        token: z.string().min(1).nullable().default(null),
        /** Most incidents kept (the oldest closed one goes first). */
        maxIncidents: positiveInt.max(10_000).default(100),
        /** Most stages (updates) kept per incident (the oldest goes). */
        maxStages: positiveInt.max(1000).default(50),
        /** Largest request body on the incident API. */
        maxBodyBytes: positiveInt.default(16 * 1024),
        /** Incidents per page of `GET /api/incidents/<page>`. */
        pageSize: positiveInt.max(1000).default(10),
      })
      .strict()
      .prefault({}),
    /** Live queue per connection: status and latency are states, so the newest value per channel wins. */
    queue: queueSchema({ maxMessages: 256, maxBytes: 1024 * 1024, overflow: 'coalesce', stallTimeoutMs: 30_000 }),
    /** Live messages held per channel while its replay is fetched. */
    maxPendingDuringReplay: positiveInt.default(1024),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.services.forEach((svc, i) => {
      if (seen.has(svc.name)) ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service ${svc.name}` });
      seen.add(svc.name);
    });
  })
  .prefault({});

export const elstatEnv: EnvBinding[] = [
  { name: 'STREAMHUB_ELSTAT_PORT', path: 'elstat.port', type: 'int' },
  { name: 'STREAMHUB_ELSTAT_INCIDENTS_TOKEN', path: 'elstat.incidents.token', type: 'nullable-string' },
  { name: 'STREAMHUB_ELSTAT_PING_INTERVAL_MS', path: 'elstat.pingIntervalMs', type: 'int' },
  { name: 'STREAMHUB_ELSTAT_MAX_CHANNELS', path: 'elstat.maxChannelsPerConnection', type: 'int' },
  { name: 'STREAMHUB_ELSTAT_HISTORY_LENGTH', path: 'elstat.historyLength', type: 'int' },
  { name: 'STREAMHUB_ELSTAT_PER_IP_MAX', path: 'elstat.perIpMax', type: 'int' },
];
