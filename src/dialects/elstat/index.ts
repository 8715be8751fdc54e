/**
 * The elstat dialect (seed 004, protocol-notes §5): the `/api/streaming` WebSocket, the service
 * prober that feeds it, the REST status and incident API, and the status page, on one listener.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import { elstatServiceSchema, type ElstatService, type ElstatServiceInput } from '../../config/elstat.js';
import { StreamHubError } from '../../errors.js';
import type { CloseReason, QueueLimits, RetentionPolicy } from '../../core/index.js';
import { createIpMatcher, clientIp } from '../shared/client-ip.js';
import { ConnectionLimiter } from '../shared/connection-limiter.js';
import { spreadDrain } from '../shared/drain.js';
import { createHttpListener } from '../shared/http-listener.js';
import { rejectUpgrade } from '../shared/http-reply.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { ElstatClose, INCIDENTS_HUB_CHANNEL, encodeData, encodeIncident, hubChannel, parseWireChannel, wireChannel } from './codec.js';
import { createIncidentsApi, type IncidentOp } from './incidents-api.js';
import { IncidentStore, type Incident } from './incidents.js';
import { Prober } from './prober.js';
import { createRestHandler } from './rest.js';
import type { CheckRecord } from './service-history.js';
import { ElstatSession, type SessionHost } from './session.js';

/**
 * A service to probe, as given to `addServices` or in `elstat.services` (defaults may be left out):
 * `{ name, description?, adapter: 'http' | 'tcp' | 'ping', target, intervalMs?, timeoutMs? }`.
 * See PROTOCOL.md "Prober configuration".
 */
export type ServiceConfig = ElstatServiceInput;
export type { ElstatService };

export type ElstatOptions = Config['elstat'];

/** The elstat dialect; `addServices` lets the server add its own listeners as demo services. */
export interface ElstatDialect extends Dialect {
  /**
   * Validates and adds services; each is checked at once when the dialect is listening, else at
   * `listen()`. A name that already exists keeps its configuration (the new one is ignored and
   * logged). Throws StreamHubError ERR_CONFIG, adding none, on an invalid service or a name given twice.
   */
  addServices(services: readonly ServiceConfig[]): void;
}

/** The WebSocket path of the seed ("Connection logic"). */
export const STREAMING_PATH = '/api/streaming';

/** Status and latency channels keep only the last value: it is the snapshot a subscriber gets first. */
const VALUE_RETENTION: RetentionPolicy = { maxMessages: 1, maxBytes: 4096, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
const INCIDENT_RETENTION: RetentionPolicy = { maxMessages: 1, maxBytes: 1, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };

const STATUS_PAGE = readFileSync(new URL('./status-page.html', import.meta.url), 'utf8');

/** Replaceable parts (issue #7). */
export interface ElstatDeps {
  /**
   * True while this node should probe. A cluster passes "holds the prober lease", so services
   * are probed once per cluster while every node's clients get the values through the hub.
   * Default: always (one node).
   */
  readonly proberLeader?: () => boolean;
}

/** Builds the dialect; nothing listens until `listen()`. */
export function createElstatDialect(ctx: DialectContext, options: ElstatOptions, deps: ElstatDeps = {}): ElstatDialect {
  const log = ctx.log.child({ mod: 'dialect.elstat' });
  const sessions = new Set<ElstatSession>();
  const limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, undefined, ctx.listener.ipv6CapPrefix);
  const isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
  let closing = false;
  let pingTimer: unknown = null;

  async function publishCheck(service: ElstatService, record: CheckRecord): Promise<void> {
    const status = wireChannel('status', service.name);
    const latency = wireChannel('latency', service.name);
    await ctx.hub.publish(hubChannel(status), encodeData(status, record.time, record.status), { kind: 'snapshot', retention: VALUE_RETENTION });
    await ctx.hub.publish(hubChannel(latency), encodeData(latency, record.time, record.latency), { kind: 'snapshot', retention: VALUE_RETENTION });
  }

  const prober = new Prober({ clock: ctx.clock, log, historyLength: options.historyLength, pingCommand: options.pingCommand, onCheck: publishCheck, shouldCheck: deps.proberLeader });
  const incidents = new IncidentStore(options.incidents);

  function broadcast(op: IncidentOp, incident: Incident): void {
    ctx.hub.publish(INCIDENTS_HUB_CHANNEL, encodeIncident(op, incident), { kind: 'volatile', retention: INCIDENT_RETENTION }).catch((err: Error) => {
      log.warn({ err: err.message }, 'elstat incident broadcast failed');
    });
  }

  const queue: QueueLimits = {
    maxMessages: options.queue.maxMessages,
    maxBytes: options.queue.maxBytes,
    overflow: options.queue.overflow,
    overflowClose: ElstatClose.slowConsumer,
    stallTimeoutMs: options.queue.stallTimeoutMs,
    stallClose: ElstatClose.slowConsumer,
    maxPendingDuringReplay: options.maxPendingDuringReplay,
  };
  const host: SessionHost = {
    hub: ctx.hub,
    log,
    settings: {
      maxFrameBytes: options.maxFrameBytes,
      maxChannelsPerConnection: options.maxChannelsPerConnection,
      replayLastValue: options.replayLastValue,
      maxMissedPongs: options.maxMissedPongs,
      highWaterMarkBytes: options.queue.highWaterMarkBytes,
      queue,
      ...(ctx.listener.jsonBounds ? { jsonBounds: ctx.listener.jsonBounds } : {}),
    },
    isValidChannel(wire) {
      const parsed = parseWireChannel(wire);
      return parsed !== null && prober.has(parsed.service);
    },
    ended(session) {
      sessions.delete(session);
    },
  };

  // maxPayload is the transport bound (1009 past it); the seed's 256-byte rule is the session's (4420).
  // UTF-8 is checked by the codec (fatal decoder → 4200, PROTOCOL.md §1 "not JSON (or not UTF-8)"), not
  // by `ws`, which would fail the connection with 1007 first (found by test/fuzz/elstat.fuzz.test.ts).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    skipUTF8Validation: true,
  });

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== STREAMING_PATH) return rejectUpgrade(socket, 404, { error: 'not_found' });
    if (closing) return rejectUpgrade(socket, 503, { error: 'shutting_down' });
    const lease = limiter.tryAcquire(clientIp(req, isTrustedProxy));
    if ('refused' in lease) {
      return rejectUpgrade(socket, lease.refused === 'per_ip' ? 429 : 503, { error: lease.refused });
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = new ElstatSession(host, ws, ctx.ids.next());
      sessions.add(session);
      ws.once('close', lease.release);
      if (closing) ws.close(1001, 'server shutting down');
    });
  }

  const listener = createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    onRequest: createRestHandler({
      prober,
      statusPage: STATUS_PAGE,
      incidents: createIncidentsApi({
        store: incidents,
        clock: ctx.clock,
        token: options.incidents.token,
        maxBodyBytes: options.incidents.maxBodyBytes,
        jsonBounds: ctx.listener.jsonBounds,
        pageSize: options.incidents.pageSize,
        broadcast,
      }),
    }),
    onUpgrade,
    // Issue 15 item 7: 503 `{"error":"rate_limited"}` + Retry-After; the status page retries any close with backoff.
    connectionRate: ctx.listener.connectionRate,
  });

  function schedulePing(): void {
    pingTimer = ctx.clock.setTimeout(() => {
      for (const session of sessions) session.keepalive();
      if (!closing) schedulePing();
    }, options.pingIntervalMs);
  }

  function validate(services: readonly ServiceConfig[]): ElstatService[] {
    const out: ElstatService[] = [];
    const names = new Set<string>();
    for (const input of services) {
      const parsed = elstatServiceSchema.safeParse(input);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new StreamHubError('ERR_CONFIG', `elstat service ${JSON.stringify((input as { name?: unknown }).name)}: ${problems}`);
      }
      if (names.has(parsed.data.name)) throw new StreamHubError('ERR_CONFIG', `elstat service ${parsed.data.name} is given twice`);
      names.add(parsed.data.name);
      // A configured service wins over one added later (e.g. the demo services of `npm start`).
      if (prober.has(parsed.data.name)) log.warn({ service: parsed.data.name }, 'elstat service already configured; the added one is ignored');
      else out.push(parsed.data);
    }
    return out;
  }

  prober.add(validate(options.services as readonly ServiceConfig[]));

  return {
    name: 'elstat',
    addServices(services) {
      prober.add(validate(services));
    },
    async listen(): Promise<ListenerAddress[]> {
      const address = await listener.listen();
      prober.start();
      schedulePing();
      log.info({ port: address.port, services: prober.services().length }, 'elstat listening');
      return [address];
    },
    stats(): DialectStats {
      let subscriptions = 0;
      for (const session of sessions) subscriptions += session.channelCount;
      return {
        connections: sessions.size,
        subscriptions,
        services: prober.services().length,
        checks: prober.checks,
        incidents: incidents.list().length,
      };
    },
    async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      closing = true;
      prober.stop();
      if (pingTimer !== null) ctx.clock.clearTimeout(pingTimer);
      pingTimer = null;
      const open = [...sessions];
      const gone = Promise.all(open.map((s) => new Promise<void>((done) => s.onEnded(done))));
      // Issue 14: status pages end one by one over the window, each after its queue is written; the
      // page reconnects on any close (status-page.html), so the 1001 close frame stays.
      const flushLimitMs = Math.max(0, deadlineMs - drainWindowMs);
      const drain = spreadDrain(open, (s) => s.drainAndShutdown(reason, flushLimitMs, ctx.clock), { windowMs: drainWindowMs, clock: ctx.clock });
      const listenerClosed = listener.close(deadlineMs);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((done) => {
        timer = setTimeout(done, deadlineMs);
        timer.unref();
      });
      await Promise.race([gone, deadline]);
      clearTimeout(timer);
      drain.endNow();
      for (const session of sessions) session.terminate();
      await listenerClosed;
      wss.close();
    },
  };
}
