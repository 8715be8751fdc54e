/**
 * The core's contracts. Pure TypeScript: no sockets, no JSON, no logging library.
 * Payloads are opaque bytes; dialects encode them once and the hub hands the same
 * bytes to every subscriber (DESIGN.md "Encode once").
 */

/** Opaque bytes. The core never parses, copies or re-encodes a payload. */
export type Payload = Uint8Array;

/** Where a message sits in its channel's stream. */
export interface StreamPosition {
  /** Starts at 1 and rises by exactly 1 per message within one epoch. */
  readonly offset: number;
  /** Changes whenever continuity is lost (broker restart, Redis flush). Compare it before trusting `offset`. */
  readonly epoch: string;
}

/**
 * How a message is retained by the broker.
 * - `data`: appended to the ring (bounded by count, bytes and age) and delivered live.
 * - `snapshot`: replaces the channel's snapshot slot (what a newcomer gets first), clears the
 *   pinned list and the ring (a new snapshot starts a new generation of history), delivered live.
 * - `pinned`: appended to the ring and to the bounded pinned list, which outlives the ring's
 *   window (the match dialect's sticky events); delivered live.
 * - `volatile`: delivered live only, never retained.
 * - `reset`: clears snapshot, pinned list and ring; delivered live so sessions can react.
 */
export const MessageKind = {
  data: 'data',
  snapshot: 'snapshot',
  pinned: 'pinned',
  volatile: 'volatile',
  reset: 'reset',
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

export interface Message extends StreamPosition {
  readonly channel: string;
  readonly kind: MessageKind;
  /**
   * The message's own time in ms, used for age-based retention. The publisher may set it
   * (match time `t`, seed 000 "windowed on match time"); otherwise the broker's wall clock.
   */
  readonly time: number;
  /** Wall-clock ms at which the broker accepted the message (for latency metrics). */
  readonly publishedAt: number;
  readonly payload: Payload;
}

/** Retention of one channel; every bound has a documented default in the dialect's config. */
export interface RetentionPolicy {
  /** Most messages kept in the ring. */
  readonly maxMessages: number;
  /** Most payload bytes kept in the ring (each message also counts `overheadBytes`). */
  readonly maxBytes: number;
  /** Bytes charged per retained message on top of its payload (relay seed: 16). */
  readonly overheadBytes?: number;
  /** Messages older than the newest message's `time` minus this are evicted. 0 disables. */
  readonly maxAgeMs: number;
  /** Most messages kept in the pinned list. */
  readonly maxPinned: number;
  /** The channel (snapshot, pinned, ring) is forgotten this long after its last publish. 0 = never. */
  readonly idleTtlMs: number;
}

export interface PublishOptions {
  readonly kind?: MessageKind;
  /** The message's own time (see Message.time). Defaults to the broker's clock. */
  readonly time?: number;
  readonly retention: RetentionPolicy;
  /**
   * A producer-assigned id of this message (issue 15 item 3; Centrifugo's `idempotency_key`). The
   * broker remembers it per channel for its idempotency window: a publish with a key it already
   * holds is not appended again and answers the original position (`PublishedMessage.duplicate`).
   * 1–128 printable ASCII characters (`isIdempotencyKey`).
   */
  readonly idempotencyKey?: string;
}

/** What `Broker.publish` answers: the message, or, for a repeated idempotency key, the original's position. */
export interface PublishedMessage extends Message {
  /** True when the idempotency key was already known: nothing was appended or delivered this time. */
  readonly duplicate?: boolean;
}

export interface HistoryQuery {
  /** Only messages after this position (exclusive). Ignored when its epoch is not the channel's. */
  readonly since?: StreamPosition;
  /** At most this many ring messages, newest kept. 0 returns only snapshot, pinned and top. */
  readonly limit?: number;
}

/** What a channel retains: snapshot, then pinned messages older than the ring, then the ring. */
export interface ChannelHistory {
  /** The channel's latest position, or null when the broker knows nothing of the channel. */
  readonly top: StreamPosition | null;
  readonly snapshot: Message | null;
  /** Pinned messages that are no longer in `messages`, oldest first. */
  readonly pinned: readonly Message[];
  /** Ring messages after `since`, oldest first. */
  readonly messages: readonly Message[];
  /** True when `since` was given, its epoch matched and nothing after it had been evicted. */
  readonly recovered: boolean;
}

/** Moves messages between nodes, assigns positions and keeps retained history. */
export interface Broker {
  readonly name: string;
  /**
   * Called once by the hub before anything else. Every message, this node's own included, arrives
   * through `deliver`, in offset order per channel. `events` reports what the hub must act on.
   */
  start(deliver: (msg: Message) => void, events?: BrokerEvents): Promise<void>;
  /**
   * Assigns the next position atomically, retains the message as its kind says, and sends it to
   * every interested node. With an idempotency key already published on the channel inside the
   * broker's window (on every node sharing the store), nothing is appended or sent: the answer is
   * the original's position with `duplicate: true`.
   */
  publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage>;
  /** Retained history of a channel. Never throws for an unknown channel (top is null). */
  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory>;
  /** Node-level interest: the hub calls this for its first local subscriber of a channel. Idempotent. */
  subscribe(channel: string): Promise<void>;
  /** The hub calls this when its last local subscriber leaves. Idempotent. */
  unsubscribe(channel: string): Promise<void>;
  /** Health for /healthz and metrics; cheap, no I/O. */
  health(): BrokerHealth;
  /** Stops delivering and releases connections. Idempotent. */
  close(): Promise<void>;
}

/** What a broker reports to the hub besides messages. */
export interface BrokerEvents {
  /**
   * The broker's retained data was lost (Redis restarted without persistence, a failover to an
   * empty replica): every channel starts a new epoch. Called before any publish of this node
   * reaches the new data set, so whatever the listener publishes synchronously comes first in
   * each channel's new epoch (issue 15 item 1).
   */
  dataLost?(): void;
}

export interface BrokerHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** 4000–4499: the client should reconnect; 4500–4999: it should not (dialects may use their own). */
export interface CloseReason {
  readonly code: number;
  /** At most 123 bytes, so it fits in a WebSocket close frame [RFC 6455 §5.5]. */
  readonly reason: string;
}

/**
 * What happens when a subscriber's live queue is full:
 * - `drop-oldest`: the oldest queued message that is not `pinned` or `snapshot` goes (the sink is
 *   told how many were dropped); those are never dropped while another can go (when only they are
 *   queued, an incoming other message is itself dropped and an incoming pinned/snapshot one drops
 *   the oldest queued, so `maxMessages`/`maxBytes` still hold);
 * - `coalesce`: an older state (`data`/`snapshot`) of the same channel goes, else the oldest state
 *   of any channel; events (`pinned`, `volatile`, `reset`) are never dropped while a state can go
 *   (a state arriving at a queue full of events is itself dropped);
 * - `close`: the subscriber is detached with `QueueLimits.overflowClose`.
 */
export type OverflowPolicy = 'drop-oldest' | 'coalesce' | 'close';

export interface QueueLimits {
  /** Most messages waiting while the socket is above its high watermark. */
  readonly maxMessages: number;
  /** Most payload bytes waiting. */
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  /** Close reason for the `close` policy. */
  readonly overflowClose: CloseReason;
  /** After the queue has overflowed, the subscriber is closed if the sink stays stalled this long. 0 disables. */
  readonly stallTimeoutMs: number;
  /** Close reason when the stall timeout fires. */
  readonly stallClose: CloseReason;
  /** Most live messages buffered per channel while its replay is being fetched; past it the subscriber is closed with `overflowClose`. */
  readonly maxPendingDuringReplay: number;
  /**
   * When the stall clock starts (default `overflow`):
   * - `overflow`: once the queue has dropped a message; the subscriber is closed when it fires;
   * - `blocked`: as soon as the sink is above its watermark (a delivery returned false, or
   *   `Subscriber.blocked()`); when it fires the subscriber is closed only if the sink made no
   *   progress over the whole period (`Sink.pendingBytes` did not shrink), else it starts again.
   *   For a sink whose queue may never overflow but whose socket may stop being read (relay).
   */
  readonly stallFrom?: StallStart;
}

export type StallStart = 'overflow' | 'blocked';

/** What a dialect session gives the hub. The dialect encodes and writes; the hub decides what and when. */
export interface Sink {
  readonly id: string;
  /** Used as a metrics label. */
  readonly dialect: string;
  /**
   * Writes messages in order, as one batch (one syscall where the transport allows).
   * Returns false when the socket is above its high watermark; the hub then queues and waits for `Subscriber.resume()`.
   */
  deliver(batch: readonly Message[]): boolean;
  /** Called when the drop-oldest policy discarded messages, before the next delivery. */
  dropped?(count: number): void;
  /** Bytes written but not yet taken by the peer (the socket's buffer): the progress measure of the `blocked` stall policy. */
  pendingBytes?(): number;
  /** Called exactly once, by the hub, when it gives up on this connection (overflow, stall, shutdown). */
  close(reason: CloseReason): void;
}

export interface SubscribeResult {
  /** The channel's top at subscribe time (null when the channel has no history). */
  readonly position: StreamPosition | null;
  readonly recovered: boolean;
  /** How many retained messages were replayed (snapshot and pinned included). */
  readonly replayed: number;
}

export interface SubscribeOptions {
  /** Resume after this position; without it the whole retained history is replayed. */
  readonly since?: StreamPosition;
  /** Leave the snapshot out of the replay. */
  readonly skipSnapshot?: boolean;
  /** Leave pinned messages out of the replay. */
  readonly skipPinned?: boolean;
  /** Replay nothing from the ring (live tail only). */
  readonly liveOnly?: boolean;
}

/** One connection's handle, returned by Hub.attach. */
export interface Subscriber {
  readonly id: string;
  /**
   * Adds a channel. Live messages published meanwhile are held back, the retained history is
   * delivered in one batch straight to the sink (never through the live queue), then the held
   * messages after it: no gap and no duplicate at the seam.
   */
  subscribe(channel: string, options?: SubscribeOptions): Promise<SubscribeResult>;
  unsubscribe(channel: string): void;
  /** The sink drained below its low watermark; the hub resumes delivering. */
  resume(): void;
  /**
   * The sink wrote outside `deliver` (e.g. frames it held itself) and is now above its watermark:
   * the hub stops delivering until `resume()`, and the stall policy runs as after a refused delivery.
   */
  blocked(): void;
  /** Removes the subscriber from every channel; with a reason, calls sink.close(reason) once. Idempotent. */
  detach(reason?: CloseReason): void;
  readonly channels: ReadonlySet<string>;
  readonly queuedMessages: number;
  readonly droppedMessages: number;
}

/** How the core reports what happened. Metrics implement it; the default does nothing. */
export interface HubObserver {
  published?(dialect: string, bytes: number): void;
  /** Live deliveries, summed per dialect over one flush slice; `latencyMs` is the oldest message's publish→send time in it. */
  delivered?(dialect: string, messages: number, bytes: number, latencyMs: number): void;
  dropped?(dialect: string, messages: number, policy: OverflowPolicy): void;
  detached?(dialect: string, reason: CloseReason): void;
  /** A subscriber's sink threw while delivering; that subscriber was detached with 1011 (a defect to log). */
  sinkFailed?(dialect: string, error: unknown): void;
  /** A held snapshot was published again after the broker lost its data (`ok` false: that publish failed). */
  republished?(dialect: string, ok: boolean): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Structural subset of pino, so the core never imports a logging library. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface ChannelStats {
  readonly name: string;
  readonly dialect: string;
  readonly subscribers: number;
  /** Messages this node received from the broker for the channel. */
  readonly messagesIn: number;
  /** Message deliveries to subscribers (one message to 40 subscribers counts 40). */
  readonly messagesSent: number;
  readonly lastOffset: number;
}

export interface HubStats {
  readonly channels: readonly ChannelStats[];
  readonly subscribers: number;
  readonly queuedMessages: number;
  /** Messages waiting in live queues, by the sinks' dialect. */
  readonly queuedByDialect: Readonly<Record<string, number>>;
  readonly droppedMessages: number;
  readonly stallCloses: number;
  readonly overflowCloses: number;
  readonly broker: BrokerHealth & { readonly name: string };
}
