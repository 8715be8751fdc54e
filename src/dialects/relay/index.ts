/**
 * The relay dialect (seed 002, protocol-notes §3): a binary media relay on
 * `ws://host:4003/<channel>/<key>/<publish|receive|receive-clear-cache|probe>`.
 * Every refusal is an HTTP status before the upgrade; after it, chunks flow through the hub
 * (channel `relay:<channel>`), so a publisher on one node reaches receivers on every node.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason, RetentionPolicy } from '../../core/index.js';
import { createIpMatcher } from '../shared/client-ip.js';
import { ConnectionLimiter } from '../shared/connection-limiter.js';
import { spreadDrain } from '../shared/drain.js';
import { createHttpListener } from '../shared/http-listener.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { RefusalText, parseRelayPath } from './codec.js';
import { createKeyVerifier, type KeyVerifier } from './key-verifier.js';
import { PublisherSession } from './publisher-session.js';
import { MemoryPublisherRegistry, type PublisherRegistry } from './publisher-registry.js';
import { ReceiverSession } from './receiver-session.js';
import { createUpgradeGate } from './upgrade-gate.js';

export { MemoryPublisherRegistry, type PublisherRegistry, type PublishClaim, type PublishLease } from './publisher-registry.js';
export { createKeyVerifier, type KeyVerifier } from './key-verifier.js';

export interface RelayStats extends DialectStats {
  readonly publishers: number;
  readonly receivers: number;
  readonly idleReceivers: number;
  readonly probes: number;
  readonly chunksIn: number;
  readonly bytesIn: number;
  readonly publishBacklogBytes: number;
  readonly refused: Record<string, number>;
}

export interface RelayDialect extends Dialect {
  readonly name: 'relay';
  stats(): RelayStats;
}

/** Replaceable parts: a cluster-wide publisher lease and the key check (defaults: in-process map, from options). */
export interface RelayDeps {
  readonly registry?: PublisherRegistry;
  readonly verifier?: KeyVerifier;
}

/** The cache as hub retention (notes §3.5): a FIFO bounded in bytes, 16 bytes charged per chunk, no count or age bound. */
export function relayRetention(options: Config['relay']): RetentionPolicy {
  return {
    maxMessages: 1_000_000_000,
    maxBytes: options.gopCacheBytes,
    overheadBytes: options.chunkOverheadBytes,
    maxAgeMs: 0,
    maxPinned: 0,
    idleTtlMs: options.channelIdleTtlMs,
  };
}

/**
 * Builds the relay dialect on `options.port` (default 4003). `deps.registry` replaces the
 * in-process "one publisher per channel" map (e.g. with a cluster-wide lease); `deps.verifier`
 * replaces the key check chosen from `options.keyVerification`. Throws on a malformed allow-list entry.
 */
export function createRelayDialect(ctx: DialectContext, options: Config['relay'], deps: RelayDeps = {}): RelayDialect {
  const registry = deps.registry ?? new MemoryPublisherRegistry();
  const verifier = deps.verifier ?? createKeyVerifier(options.keyVerification);
  const retention = relayRetention(options);
  const everyone = (list: readonly string[]) => list.includes('*');
  const exempt = everyone(options.concurrentLimitWhitelist) ? () => true : createIpMatcher(options.concurrentLimitWhitelist);
  const limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, exempt, ctx.listener.ipv6CapPrefix);
  const mayPlay =
    options.playWhitelist.length === 0 || everyone(options.playWhitelist) ? () => true : createIpMatcher(options.playWhitelist);
  // Two servers so a receiver (which only sends `h`) cannot make us buffer a 64 MB frame.
  const publishWss = new WebSocketServer({ noServer: true, maxPayload: options.maxChunkBytes, perMessageDeflate: false, clientTracking: false });
  const playWss = new WebSocketServer({ noServer: true, maxPayload: options.maxReceiverFrameBytes, perMessageDeflate: false, clientTracking: false });
  const publishers = new Set<PublisherSession>();
  const receivers = new Set<ReceiverSession>();
  const sockets = new Set<WebSocket>();
  let closing = false;
  let chunksIn = 0;
  let bytesIn = 0;

  const gate = createUpgradeGate({
    ctx,
    limiter,
    mayPlay,
    registry,
    verifier,
    isClosing: () => closing,
    onAccept(accepted) {
      const { req, socket, head, route, release, lease } = accepted;
      const wss = route.kind === 'publish' ? publishWss : playWss;
      let session = false;
      // If `ws` refuses the handshake itself (bad Sec-WebSocket-Key…), the socket closes without a session.
      socket.once('close', () => {
        if (session) return;
        release();
        void lease?.release();
      });
      wss.handleUpgrade(req, socket, head, (ws) => {
        session = true;
        sockets.add(ws);
        ws.once('close', () => sockets.delete(ws));
        if (route.kind === 'publish') {
          if (!lease) return ws.terminate(); // the gate hands every publisher its lease; never without one
          const publisher = new PublisherSession({
            ctx,
            ws,
            channel: route.channel,
            lease,
            settings: options,
            retention,
            onChunk: (bytes) => {
              chunksIn += 1;
              bytesIn += bytes;
            },
            onClosed: release,
          });
          publishers.add(publisher);
          void publisher.done.then(() => publishers.delete(publisher));
          publisher.start();
          return;
        }
        const receiver = new ReceiverSession({
          ctx,
          ws,
          channel: route.channel,
          key: route.key,
          kind: route.kind,
          registry,
          settings: options,
          retention,
          onClosed: () => {
            release();
            receivers.delete(receiver);
          },
        });
        receivers.add(receiver);
        void receiver.start();
      });
    },
  });

  const listener = createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    acceptExempt: exempt,
    onRequest: (req, res) => onPlainRequest(req, res),
    onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => gate.handle(req, socket, head),
    // Issue 15 item 7: 503 + Retry-After, text/plain in the original's style (PROTOCOL.md "Refusals").
    connectionRate: ctx.listener.connectionRate,
    rateLimitedBody: 'Server busy.',
  });

  return {
    name: 'relay',
    async listen(): Promise<ListenerAddress[]> {
      return [await listener.listen()];
    },
    stats(): RelayStats {
      let idle = 0;
      let probes = 0;
      let backlog = 0;
      for (const p of publishers) backlog += p.backlogBytes;
      for (const r of receivers) {
        if (r.state === 'idle' || r.state === 'pending') idle += 1;
        if (r.kind === 'probe') probes += 1;
      }
      return {
        connections: sockets.size,
        publishers: publishers.size,
        receivers: receivers.size,
        idleReceivers: idle,
        probes,
        chunksIn,
        bytesIn,
        publishBacklogBytes: backlog,
        refused: gate.refused(),
        keyVerification: verifier.mode,
      };
    },
    async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      closing = true;
      const stopped = listener.close(deadlineMs);
      // Issue 14: receivers end one by one over the window, each after its queued chunks are
      // written; publishers last, since a publisher's end closes its receivers on every node.
      const flushLimitMs = Math.max(0, deadlineMs - drainWindowMs);
      const drain = spreadDrain(receivers, (r) => r.drainAndClose(reason, flushLimitMs), { windowMs: drainWindowMs, clock: ctx.clock });
      const publishersLast = drain.done.then(() => {
        for (const p of [...publishers]) p.close(reason);
      });
      const gone = (ws: WebSocket) =>
        new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())));
      const settled = Promise.all([publishersLast, ...[...publishers].map((p) => p.done), ...[...sockets].map(gone)]);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([settled, deadline]);
      clearTimeout(timer);
      drain.endNow();
      // Past the deadline, whatever is left is dropped; its 'close' (and a publisher's `end`) follows at once.
      const left = [...sockets];
      for (const ws of left) ws.terminate();
      await Promise.all(left.map(gone));
      await stopped;
      publishWss.close();
      playWss.close();
    },
  };
}

/** Notes §3.2: `/` answers with the original's banner; a relay path without an upgrade is a 400; anything else 404. */
function onPlainRequest(req: IncomingMessage, res: ServerResponse): void {
  const text = (status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  };
  if (req.url === '/') return text(200, RefusalText.banner);
  const route = parseRelayPath(req.url);
  if (!route.ok) return text(route.status, route.body);
  text(400, 'Bad Request: a WebSocket upgrade is required.');
}
