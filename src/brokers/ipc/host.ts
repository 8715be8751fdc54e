/**
 * The primary process's side of embedded multi-core mode (issue 19): one broker (a MemoryBroker,
 * which assigns positions and keeps history) serves every worker over IPC. Each worker's calls are
 * answered and each delivered message is sent only to the workers with local subscribers of its
 * channel, one batch per worker per event-loop turn.
 *
 * Flow control: a worker that does not take its batches (its IPC pipe is full) holds back every
 * publish until it drains, so producers are slowed by backpressure and no message is dropped
 * (DESIGN.md § Producers); a worker stalled past `stallTimeoutMs` is reported (`onStall`: the
 * primary kills it, its clients reconnect to the others and resume from history).
 */
import { Deque, ErrorCode, StreamHubError, systemClock, type Broker, type Clock, type Logger, type Message } from '../../core/index.js';
import { IPC_TAG, isCallBatch, type Call, type EventBatch, type HostEvent, type IpcEndpoint } from './protocol.js';

export interface BrokerHostLimits {
  /** Batches written to one worker's IPC channel and not yet taken; at it, publishes wait. Default 64. */
  readonly maxPendingBatches: number;
  /** Publishes waiting for a congested worker; past it a publish fails (ERR_CAPACITY, retried by producers). Default 100 000. */
  readonly maxHeldPublishes: number;
  /** A worker whose channel has not drained for this long is reported stalled. Default 10 s. */
  readonly stallTimeoutMs: number;
}

/** Defaults of `server.embeddedBroker` (config/server.ts), for hosts built without a config (tests). */
export const BROKER_HOST_DEFAULTS: BrokerHostLimits = { maxPendingBatches: 64, maxHeldPublishes: 100_000, stallTimeoutMs: 10_000 };

export interface BrokerHostOptions {
  readonly limits?: Partial<BrokerHostLimits>;
  readonly clock?: Clock;
  readonly log: Logger;
  /** A worker's channel did not drain for `stallTimeoutMs` (called once per stall). */
  onStall?(workerId: string): void;
}

interface Peer {
  readonly id: string;
  readonly endpoint: IpcEndpoint;
  readonly interest: Set<string>;
  outbox: HostEvent[];
  flushScheduled: boolean;
  /** Batches sent whose write has not completed. */
  pending: number;
  /** Last time a write completed (or the peer attached). */
  drainedAt: number;
  stallReported: boolean;
  detached: boolean;
}

export class BrokerHost {
  readonly #broker: Broker;
  readonly #limits: BrokerHostLimits;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onStall: (workerId: string) => void;
  readonly #peers = new Map<string, Peer>();
  readonly #byChannel = new Map<string, Set<Peer>>();
  readonly #held = new Deque<{ peer: Peer; call: Call & { op: 'publish' } }>();
  #congested = 0;
  #stallTimer: unknown = null;

  constructor(broker: Broker, options: BrokerHostOptions) {
    this.#broker = broker;
    this.#limits = { ...BROKER_HOST_DEFAULTS, ...options.limits };
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#onStall = options.onStall ?? (() => {});
  }

  async start(): Promise<void> {
    await this.#broker.start((msg) => this.#deliver(msg));
    this.#armStallCheck();
  }

  #armStallCheck(): void {
    const every = Math.max(50, Math.floor(this.#limits.stallTimeoutMs / 4));
    this.#stallTimer = this.#clock.setTimeout(() => {
      this.#checkStalls();
      if (this.#stallTimer !== null) this.#armStallCheck();
    }, every);
  }

  /** Serves one worker until `detach` (call it when the worker exits). */
  attach(id: string, endpoint: IpcEndpoint): () => void {
    const peer: Peer = { id, endpoint, interest: new Set(), outbox: [], flushScheduled: false, pending: 0, drainedAt: this.#clock.now(), stallReported: false, detached: false };
    const onMessage = (message: unknown) => {
      if (!isCallBatch(message) || peer.detached) return;
      for (const call of message.calls) this.#call(peer, call);
    };
    endpoint.on('message', onMessage);
    this.#peers.set(id, peer);
    return () => {
      endpoint.off('message', onMessage);
      this.#detach(peer);
    };
  }

  stats(): { workers: number; held: number; congested: number } {
    return { workers: this.#peers.size, held: this.#held.length, congested: this.#congested };
  }

  async close(): Promise<void> {
    if (this.#stallTimer !== null) this.#clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
    for (const peer of [...this.#peers.values()]) this.#detach(peer);
    await this.#broker.close();
  }

  #call(peer: Peer, call: Call): void {
    switch (call.op) {
      case 'publish':
        if (this.#congested > 0) return this.#hold(peer, call);
        return this.#publish(peer, call);
      case 'history':
        return this.#answer(peer, call.id, this.#broker.history(call.channel, call.query));
      case 'subscribe':
        this.#subscribe(peer, call.channel);
        return this.#answer(peer, call.id, Promise.resolve(null));
      case 'unsubscribe':
        this.#unsubscribe(peer, call.channel);
        return this.#answer(peer, call.id, Promise.resolve(null));
    }
  }

  #publish(peer: Peer, call: Call & { op: 'publish' }): void {
    this.#answer(peer, call.id, this.#broker.publish(call.channel, call.payload, call.options));
  }

  #hold(peer: Peer, call: Call & { op: 'publish' }): void {
    if (this.#held.length >= this.#limits.maxHeldPublishes) {
      this.#push(peer, { k: 'error', id: call.id, code: ErrorCode.capacity, message: 'broker: a worker is not taking its messages; publish refused' });
      return;
    }
    this.#held.push({ peer, call });
  }

  #release(): void {
    while (this.#congested === 0 && this.#held.length > 0) {
      const { peer, call } = this.#held.shift()!;
      if (!peer.detached) this.#publish(peer, call);
    }
  }

  #answer(peer: Peer, id: number, result: Promise<unknown>): void {
    result.then(
      (value) => this.#push(peer, { k: 'ok', id, value: value as never }),
      (err: unknown) => {
        const code = err instanceof StreamHubError ? err.code : ErrorCode.broker;
        this.#push(peer, { k: 'error', id, code, message: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  #subscribe(peer: Peer, channel: string): void {
    if (peer.interest.has(channel)) return;
    peer.interest.add(channel);
    let peers = this.#byChannel.get(channel);
    if (!peers) {
      this.#byChannel.set(channel, (peers = new Set()));
      void this.#broker.subscribe(channel);
    }
    peers.add(peer);
  }

  #unsubscribe(peer: Peer, channel: string): void {
    if (!peer.interest.delete(channel)) return;
    const peers = this.#byChannel.get(channel);
    peers?.delete(peer);
    if (peers && peers.size === 0) {
      this.#byChannel.delete(channel);
      void this.#broker.unsubscribe(channel);
    }
  }

  #deliver(msg: Message): void {
    const peers = this.#byChannel.get(msg.channel);
    if (!peers) return;
    for (const peer of peers) this.#push(peer, { k: 'msg', msg });
  }

  #push(peer: Peer, event: HostEvent): void {
    if (peer.detached) return;
    peer.outbox.push(event);
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    setImmediate(() => this.#flush(peer));
  }

  #flush(peer: Peer): void {
    peer.flushScheduled = false;
    if (peer.detached || peer.outbox.length === 0) return;
    const batch: EventBatch = { tag: IPC_TAG, events: peer.outbox };
    peer.outbox = [];
    if (peer.pending++ === this.#limits.maxPendingBatches - 1) this.#congested += 1;
    try {
      peer.endpoint.send(batch, () => this.#drained(peer));
    } catch (err) {
      // The channel is closed: the worker is gone; its exit detaches it.
      this.#log.warn({ worker: peer.id, err }, 'broker host: cannot write to a worker');
      this.#drained(peer);
    }
  }

  #drained(peer: Peer): void {
    if (peer.pending-- === this.#limits.maxPendingBatches) this.#congested -= 1;
    peer.drainedAt = this.#clock.now();
    peer.stallReported = false;
    if (this.#congested === 0) this.#release();
  }

  #checkStalls(): void {
    const now = this.#clock.now();
    for (const peer of this.#peers.values()) {
      if (peer.pending === 0 || peer.stallReported || now - peer.drainedAt < this.#limits.stallTimeoutMs) continue;
      peer.stallReported = true;
      this.#log.error({ worker: peer.id, pendingBatches: peer.pending, stalledMs: now - peer.drainedAt }, 'broker host: a worker stopped taking its messages');
      this.#onStall(peer.id);
    }
  }

  #detach(peer: Peer): void {
    if (peer.detached) return;
    if (peer.pending >= this.#limits.maxPendingBatches) this.#congested -= 1;
    peer.detached = true;
    peer.outbox = [];
    for (const channel of [...peer.interest]) this.#unsubscribe(peer, channel);
    this.#peers.delete(peer.id);
    if (this.#congested === 0) this.#release();
  }
}
