/**
 * The relay's open sessions: turns an upgrade the gate accepted into a publisher or receiver
 * session (notes §3), counts them for `stats()`, and ends them at shutdown (issue 14).
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason, QueueLimits, RetentionPolicy } from '../../core/index.js';
import { drainWithDeadline, queueLimitsFrom } from '../shared/lifecycle/index.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';
import type { DialectContext } from '../types.js';
import { RelayClose } from './codec.js';
import type { PublisherRegistry } from './publisher-registry.js';
import { PublisherSession } from './publisher-session.js';
import { ReceiverSession, type ReceiverHost } from './receiver-session.js';
import type { AcceptedUpgrade } from './upgrade-gate.js';

/** What `stats()` reports of the sessions. */
export interface RelaySessionCounts {
  readonly connections: number;
  readonly publishers: number;
  readonly receivers: number;
  readonly idleReceivers: number;
  readonly probes: number;
  readonly chunksIn: number;
  readonly bytesIn: number;
  readonly publishBacklogBytes: number;
}

export class RelaySessions {
  readonly #ctx: DialectContext;
  readonly #options: Config['relay'];
  readonly #registry: PublisherRegistry;
  readonly #retention: RetentionPolicy;
  // A receiver is closed (4008) when its queue overflows, or when its socket makes no progress
  // for `stallTimeoutMs` while above its watermark even though the queue never overflows.
  readonly #receiverLimits: QueueLimits;
  // A publisher ignores its own chunks: a backlog of them drops the oldest and never closes it.
  readonly #publisherLimits: QueueLimits;
  // Two servers so a receiver (which only sends `h`) cannot make us buffer a 64 MB frame.
  readonly #publishWss: WebSocketServer;
  readonly #playWss: WebSocketServer;
  /** What every receiver shares (one object, not an options object per receiver). */
  readonly #receiverHost: ReceiverHost;
  readonly #publishers = new Set<PublisherSession>();
  readonly #receivers = new Set<ReceiverSession>();
  /** Sockets that are not receivers (publishers, and one refused for want of a lease); receivers are counted by #receivers. */
  readonly #sockets = new Set<WebSocket>();
  #chunksIn = 0;
  #bytesIn = 0;

  constructor(ctx: DialectContext, options: Config['relay'], registry: PublisherRegistry, retention: RetentionPolicy) {
    this.#ctx = ctx;
    this.#options = options;
    this.#registry = registry;
    this.#retention = retention;
    this.#receiverLimits = queueLimitsFrom(
      { ...options.queue, stallTimeoutMs: options.stallTimeoutMs },
      { overflowClose: RelayClose.slow, maxPendingDuringReplay: options.maxPendingDuringReplay, stallFrom: 'blocked' },
    );
    this.#publisherLimits = queueLimitsFrom(
      { ...options.queue, overflow: 'drop-oldest', stallTimeoutMs: 0 },
      { overflowClose: RelayClose.slow, maxPendingDuringReplay: options.maxPendingDuringReplay },
    );
    this.#publishWss = new WebSocketServer({ noServer: true, maxPayload: options.maxChunkBytes, perMessageDeflate: false, clientTracking: false });
    this.#playWss = new WebSocketServer({ noServer: true, maxPayload: options.maxReceiverFrameBytes, perMessageDeflate: false, clientTracking: false });
    const receivers = this.#receivers;
    this.#receiverHost = {
      ctx,
      registry,
      settings: options,
      limits: this.#receiverLimits,
      retention,
      onClosed(receiver) {
        receiver.release();
        receivers.delete(receiver);
      },
    };
  }

  /** Completes the handshake of an accepted upgrade and starts its session. */
  open(accepted: AcceptedUpgrade): void {
    const { req, socket, head, route, release, lease } = accepted;
    const wss = route.kind === 'publish' ? this.#publishWss : this.#playWss;
    // If `ws` refuses the handshake itself (bad Sec-WebSocket-Key…), the socket closes without a session.
    // Removed once a session owns the socket, so nothing keeps the upgrade request alive per receiver (issue 19).
    const onRefused = () => {
      release();
      void lease?.release();
    };
    socket.once('close', onRefused);
    acceptWebSocket(wss, req, socket, head, (ws) => {
      socket.off('close', onRefused);
      if (route.kind !== 'publish') return this.#openReceiver(ws, route.channel, route.key, route.kind, release);
      this.#sockets.add(ws);
      ws.once('close', () => this.#sockets.delete(ws));
      if (!lease) return ws.terminate(); // the gate hands every publisher its lease; never without one
      const publisher = new PublisherSession({
        ctx: this.#ctx,
        ws,
        channel: route.channel,
        lease,
        settings: this.#options,
        limits: this.#publisherLimits,
        retention: this.#retention,
        onChunk: (bytes) => {
          this.#chunksIn += 1;
          this.#bytesIn += bytes;
        },
        onClosed: release,
      });
      this.#publishers.add(publisher);
      void publisher.done.then(() => this.#publishers.delete(publisher));
      publisher.start();
    });
  }

  #openReceiver(ws: WebSocket, channel: string, key: string, kind: ReceiverSession['kind'], release: () => void): void {
    const receiver = new ReceiverSession(this.#receiverHost, ws, channel, key, kind, release);
    this.#receivers.add(receiver);
    void receiver.start();
  }

  counts(): RelaySessionCounts {
    let idle = 0;
    let probes = 0;
    let backlog = 0;
    for (const p of this.#publishers) backlog += p.backlogBytes;
    for (const r of this.#receivers) {
      if (r.state === 'idle' || r.state === 'pending') idle += 1;
      if (r.kind === 'probe') probes += 1;
    }
    return {
      connections: this.#sockets.size + this.#receivers.size,
      publishers: this.#publishers.size,
      receivers: this.#receivers.size,
      idleReceivers: idle,
      probes,
      chunksIn: this.#chunksIn,
      bytesIn: this.#bytesIn,
      publishBacklogBytes: backlog,
    };
  }

  /** Ends every session by the deadline (the listener has stopped accepting). */
  async close(reason: CloseReason, deadlineMs: number, drainWindowMs: number): Promise<void> {
    const publishers = this.#publishers;
    const receivers = this.#receivers;
    const sockets = this.#sockets;
    const allSockets = () => [...sockets, ...[...receivers].map((r) => r.ws)];
    const gone = (ws: WebSocket) =>
      new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())));
    // Issue 14: receivers end one by one over the window, each after its queued chunks are
    // written; publishers last, since a publisher's end closes its receivers on every node.
    await drainWithDeadline({
      items: this.#receivers,
      end: (r, flushLimitMs) => r.drainAndClose(reason, flushLimitMs),
      clock: this.#ctx.clock,
      deadlineMs,
      drainWindowMs,
      settled: (drain) => {
        const publishersLast = drain.done.then(() => {
          for (const p of [...publishers]) p.close(reason);
        });
        return Promise.all([publishersLast, ...[...publishers].map((p) => p.done), ...allSockets().map(gone)]);
      },
    });
    // Past the deadline, whatever is left is dropped; its 'close' (and a publisher's `end`) follows at once.
    const left = allSockets();
    for (const ws of left) ws.terminate();
    await Promise.all(left.map(gone));
  }

  /** Frees the two servers, after the listener has closed. */
  closeServers(): void {
    this.#publishWss.close();
    this.#playWss.close();
  }
}
