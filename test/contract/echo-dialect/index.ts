/**
 * The echo dialect (PROTOCOL.md): one listener, `/echo/<channel>` subscriptions, caps by the
 * coordination ports, the shared lifecycle (queue limits, drain on close, close with grace).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CloseReason, RetentionPolicy } from '../../../src/core/index.js';
import type { CoordinationPorts } from '../../../src/coordination/ports.js';
import { drainWithDeadline, queueLimitsFrom } from '../../../src/dialects/shared/lifecycle/index.js';
import { acceptWebSocket } from '../../../src/dialects/shared/ws-upgrade.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../../../src/dialects/types.js';
import { clientIp, createIpMatcher } from '../../../src/net/client-ip.js';
import { createHttpListener } from '../../../src/net/http-listener.js';
import { rejectUpgrade } from '../../../src/net/http-reply.js';
import { EchoClose, channelOfPath, hubChannel } from './codec.js';
import type { EchoOptions } from './config.js';
import { EchoSession, type SessionHost } from './session.js';

export interface EchoDialect extends Dialect {
  /** Publishes `data` (any JSON value) on `echo:<channel>`. */
  publish(channel: string, data: unknown): Promise<{ offset: number; epoch: string }>;
}

export function createEchoDialect(ctx: DialectContext, options: EchoOptions, ports: CoordinationPorts): EchoDialect {
  const slots = ports.limiter('echo', { perIpMax: options.perIpMax, totalMax: options.totalMax });
  const isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
  const retention: RetentionPolicy = { maxMessages: options.ringSize, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
  const queue = queueLimitsFrom(options.queue, { overflowClose: EchoClose.slowConsumer, maxPendingDuringReplay: options.maxPendingDuringReplay });
  const sessions = new Set<EchoSession>();
  const closes: Record<string, number> = {};
  const count = (code: number) => (closes[code] = (closes[code] ?? 0) + 1);
  let closing = false;
  const host: SessionHost = {
    clock: ctx.clock,
    closeGraceMs: options.closeGraceMs,
    highWaterMarkBytes: options.queue.highWaterMarkBytes,
    closedBy: count,
    ended: (s) => sessions.delete(s),
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });

  function refuse(socket: Duplex, status: number, error: string): void {
    count(status);
    rejectUpgrade(socket, status, { error });
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const channel = channelOfPath(req.url ?? '');
    if (channel === null) return refuse(socket, 404, 'not_found');
    if (closing) return refuse(socket, 503, 'shutting_down');
    const slot = slots.tryAcquire(clientIp(req, isTrustedProxy));
    if ('refused' in slot) return refuse(socket, slot.refused === 'per_ip' ? 429 : 503, slot.refused);
    // Through acceptWebSocket, so that the session's WsWriter takes the encode-once path.
    acceptWebSocket(wss, req, socket, head, (ws: WebSocket) => {
      ws.once('close', slot.release);
      const session = new EchoSession(ctx.ids.next(), ws, host);
      sessions.add(session);
      const subscriber = ctx.hub.attach(session, queue);
      session.attach(subscriber);
      subscriber.subscribe(hubChannel(channel)).catch((err: unknown) => {
        ctx.log.warn({ err, channel }, 'echo: subscribe failed');
        session.close({ code: 1011, reason: 'internal error' });
      });
    });
  }

  const listener = createHttpListener({ name: 'ws', port: options.port, settings: ctx.listener, onUpgrade, connectionRate: ctx.listener.connectionRate });

  return {
    name: 'echo',
    async listen(): Promise<ListenerAddress[]> {
      return [await listener.listen()];
    },
    stats(): DialectStats {
      return { connections: sessions.size, closes: { ...closes } };
    },
    async publish(channel, data) {
      const msg = await ctx.hub.publish(hubChannel(channel), Buffer.from(JSON.stringify(data)), { kind: 'data', retention });
      return { offset: msg.offset, epoch: msg.epoch };
    },
    async close(_reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      closing = true;
      const stopped = listener.close(deadlineMs);
      await drainWithDeadline({
        items: [...sessions],
        end: (s, flushLimitMs) => s.shutdown(flushLimitMs),
        clock: ctx.clock,
        deadlineMs,
        drainWindowMs,
        settled: () => Promise.all([...sessions].map((s) => s.closed)),
      });
      // Past the deadline, whatever is left goes without a close handshake.
      for (const s of sessions) s.terminate();
      await stopped;
    },
  };
}
