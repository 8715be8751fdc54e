/**
 * Elstat's streaming clients on `/api/streaming` (seed 004 "Connection logic"; PROTOCOL.md): the
 * checks before the upgrade, one `ElstatSession` per socket, their shared RFC 6455 ping, and
 * their end at shutdown (issue 14).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason } from '../../core/index.js';
import { clientIp } from '../../net/client-ip.js';
import { ConnectionLimiter } from '../../net/connection-limiter.js';
import { rejectUpgrade } from '../../net/http-reply.js';
import { closeWithGrace, drainWithDeadline, queueLimitsFrom, Repeat } from '../shared/lifecycle/index.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';
import type { DialectContext } from '../types.js';
import { ElstatClose } from './codec.js';
import { ElstatSession, type SessionHost } from './session.js';
import { destroyOnError } from '../../net/destroy-on-error.js';

/** The WebSocket path of the seed ("Connection logic"). */
export const STREAMING_PATH = '/api/streaming';

export interface ElstatConnectionsDeps {
  readonly ctx: DialectContext;
  readonly options: Config['elstat'];
  readonly log: SessionHost['log'];
  /** Proxies whose forwarded address is believed (`server.trustedProxies`). */
  readonly isTrustedProxy: (ip: string) => boolean;
  readonly isValidChannel: SessionHost['isValidChannel'];
}

export class ElstatConnections {
  readonly #ctx: DialectContext;
  readonly #sessions = new Set<ElstatSession>();
  readonly #limiter: ConnectionLimiter;
  readonly #isTrustedProxy: (ip: string) => boolean;
  readonly #host: SessionHost;
  readonly #wss: WebSocketServer;
  readonly #pings: Repeat;
  #closing = false;

  constructor({ ctx, options, log, isTrustedProxy, isValidChannel }: ElstatConnectionsDeps) {
    this.#ctx = ctx;
    this.#limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, undefined, ctx.listener.ipv6CapPrefix);
    this.#isTrustedProxy = isTrustedProxy;
    // One timer for every connection's RFC 6455 ping [§5.5.2], not one per connection.
    this.#pings = new Repeat(ctx.clock, options.pingIntervalMs, () => {
      for (const session of this.#sessions) session.keepalive();
    });
    const queue = queueLimitsFrom(options.queue, { overflowClose: ElstatClose.slowConsumer, maxPendingDuringReplay: options.maxPendingDuringReplay });
    this.#host = {
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
      isValidChannel,
      ended: (session) => {
        this.#sessions.delete(session);
      },
    };
    // maxPayload is the transport bound (1009 past it); the seed's 256-byte rule is the session's (4420).
    // UTF-8 is checked by the codec (fatal decoder → 4200, PROTOCOL.md §1 "not JSON (or not UTF-8)"), not
    // by `ws`, which would fail the connection with 1007 first (found by test/fuzz/elstat.fuzz.test.ts).
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
      skipUTF8Validation: true,
    });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Channels held, summed over every client. */
  subscriptions(): number {
    let subscriptions = 0;
    for (const session of this.#sessions) subscriptions += session.channelCount;
    return subscriptions;
  }

  /** Starts the shared ping, once listening. */
  start(): void {
    this.#pings.start();
  }

  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A shared function: a closure here would keep this call's scope alive with the socket (issue 19).
    socket.on('error', destroyOnError);
    const path = (req.url ?? '').split('?')[0];
    if (path !== STREAMING_PATH) return rejectUpgrade(socket, 404, { error: 'not_found' });
    if (this.#closing) return rejectUpgrade(socket, 503, { error: 'shutting_down' });
    const lease = this.#limiter.tryAcquire(clientIp(req, this.#isTrustedProxy));
    if ('refused' in lease) {
      return rejectUpgrade(socket, lease.refused === 'per_ip' ? 429 : 503, { error: lease.refused });
    }
    acceptWebSocket(this.#wss, req, socket, head, (ws: WebSocket) => {
      const session = new ElstatSession(this.#host, ws, this.#ctx.ids.next());
      this.#sessions.add(session);
      ws.on('close', lease.release); // emitted once, and `release` is idempotent: no `once` wrapper
      if (this.#closing) closeWithGrace(ws, { code: 1001, reason: 'server shutting down' });
    });
  };

  /** Refuses new upgrades (503) and stops the ping; `drain` then ends the clients. */
  stopAccepting(): void {
    this.#closing = true;
    this.#pings.stop();
  }

  /** Ends every client by the deadline; past it, whatever is left is terminated. */
  async drain(reason: CloseReason, deadlineMs: number, drainWindowMs: number): Promise<void> {
    const clock = this.#ctx.clock;
    const open = [...this.#sessions];
    const gone = Promise.all(open.map((s) => new Promise<void>((done) => s.onEnded(done))));
    // Issue 14: status pages end one by one over the window, each after its queue is written; the
    // page reconnects on any close (status-page.html), so the 1001 close frame stays.
    await drainWithDeadline({
      items: open,
      end: (s, flushLimitMs) => s.drainAndShutdown(reason, flushLimitMs, clock),
      clock,
      deadlineMs,
      drainWindowMs,
      settled: () => gone,
    });
    for (const session of this.#sessions) session.terminate();
  }

  /** Frees the WebSocket server, after the listener has closed. */
  closeServer(): void {
    this.#wss.close();
  }
}
