import type { WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason, Message, MessageKind, QueueLimits, RetentionPolicy, Sink, Subscriber } from '../../core/index.js';
import type { DialectContext } from '../types.js';
import { AppKeepalive, closeWithGrace } from '../shared/lifecycle/index.js';
import { HEARTBEAT, RelayClose, decodeControl, encodeControl, hubChannel } from './codec.js';
import type { PublishLease } from './publisher-registry.js';

export interface PublisherSessionOptions {
  readonly ctx: DialectContext;
  readonly ws: WebSocket;
  readonly channel: string;
  readonly lease: PublishLease;
  readonly settings: Config['relay'];
  /** The publisher's own subscription (relay/index.ts `publisherLimits`): it only listens for `clear`. */
  readonly limits: QueueLimits;
  readonly retention: RetentionPolicy;
  /** Called for every chunk accepted (stats). */
  readonly onChunk: (bytes: number) => void;
  /** Called once the socket is gone (the end of the publish may still be in flight). */
  readonly onClosed: () => void;
}

interface Outgoing {
  readonly payload: Uint8Array;
  /** Control messages are `reset`s; chunks get their kind when they reach the broker. */
  readonly control: boolean;
}

/**
 * One publisher (seed §Publish, notes §3.4–§3.5). Everything goes through the hub, in order:
 * `start` (a reset: new generation, idle receivers check their keys), the first chunk as the
 * pinned `snapshot`, later chunks as `data` (the byte-bounded FIFO "GOP cache"), or `volatile`
 * once a receive-clear-cache receiver disabled the cache, and finally `end` (a reset: the cache is
 * discarded and playing receivers close). The session also listens to its own channel, only to
 * see `clear` requests from receivers on any node.
 */
export class PublisherSession implements Sink {
  readonly id: string;
  readonly dialect = 'relay';
  readonly #o: PublisherSessionOptions;
  readonly #liveness: AppKeepalive;
  readonly #subscriber: Subscriber;
  readonly #queue: Outgoing[] = [];
  #backlogBytes = 0;
  #pumping = false;
  #paused = false;
  #sentFirst = false;
  #cacheDisabled = false;
  #socketClosed = false;
  #ended = false;
  #ready: Promise<void> = Promise.resolve();
  #resolveDone!: () => void;
  /** Resolves when the socket is closed and `end` has reached the broker. */
  readonly done: Promise<void>;

  constructor(options: PublisherSessionOptions) {
    this.#o = options;
    this.id = options.ctx.ids.next();
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    const { ws, settings, ctx } = options;
    this.#cacheDisabled = settings.gopCacheBytes === 0; // notes §3.5: 0 disables the cache
    // Seed §Heartbeat / notes §3.3: `h` every 20 s; the 60 s read deadline is reset by data frames only.
    this.#liveness = new AppKeepalive({
      clock: ctx.clock,
      beatIntervalMs: settings.heartbeatIntervalMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      beat: () => {
        if (ws.readyState === ws.OPEN) ws.send(HEARTBEAT);
      },
      onIdle: () => this.close(RelayClose.idle),
    });
    this.#liveness.start();
    // liveOnly: the publisher wants no replay, only control messages from now on.
    this.#subscriber = ctx.hub.attach(this, options.limits);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('error', () => undefined); // `ws` closes itself (1009 over maxChunkBytes); 'close' follows.
    ws.once('close', () => this.#onSocketClose());
  }

  get channel(): string {
    return this.#o.channel;
  }

  /** Bytes read from the socket and not yet taken by the broker (bounded by maxPublishBacklogBytes, then reading pauses). */
  get backlogBytes(): number {
    return this.#backlogBytes;
  }

  /**
   * Joins the channel (to hear `clear`) and announces the publish. Synchronous: `start` is the
   * first item of the publish queue, and the queue waits for the join before the first publish.
   */
  start(): void {
    const { ctx, channel, lease } = this.#o;
    this.#ready = this.#subscriber
      .subscribe(hubChannel(channel), { liveOnly: true, skipSnapshot: true, skipPinned: true })
      .then(
        () => undefined,
        (err: Error) => ctx.log.warn({ err: err.message, conn: this.id }, 'relay publisher could not join its channel'),
      );
    this.#enqueue(encodeControl({ type: 'start', ...lease.claim }), true);
    // A lost cluster lease means another publish may own the channel now: this one must stop
    // (one publisher per channel, notes §3.4). Closing the socket ends the publish as usual.
    lease.onLost?.(() => {
      ctx.log.warn({ conn: this.id }, 'relay publisher lease lost');
      this.close(RelayClose.leaseLost);
    });
  }

  /** Only control messages matter here: a `clear` for this publish disables the cache (notes §3.5). */
  deliver(batch: readonly Message[]): boolean {
    for (const msg of batch) {
      if (msg.kind !== 'reset' || this.#cacheDisabled) continue;
      const control = decodeControl(msg.payload);
      if (control?.type !== 'clear' || control.publishId !== this.#o.lease.claim.publishId) continue;
      this.#cacheDisabled = true;
      // Chunks sent between the receiver's clear and now were cached: purge them too.
      this.#enqueue(msg.payload, true);
    }
    return true;
  }

  close(reason: CloseReason): void {
    closeWithGrace(this.#o.ws, reason, { clock: this.#o.ctx.clock, ms: this.#o.settings.closeGraceMs });
  }

  #onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.#liveness.touch(); // any data frame resets the 60 s deadline (notes §3.3)
    if (!isBinary || this.#socketClosed) return; // text frames (`h`) are otherwise ignored
    const chunk = ownBytes(Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    // An empty message carries nothing; pinning one as "the first chunk" would lose the real header.
    if (chunk.byteLength === 0) return;
    this.#o.onChunk(chunk.byteLength);
    this.#enqueue(chunk, false);
  }

  #enqueue(payload: Uint8Array, control: boolean): void {
    this.#queue.push({ payload, control });
    this.#backlogBytes += payload.byteLength;
    // Bounded backlog: stop reading the socket (TCP backpressure to the publisher) instead of buffering.
    if (!this.#paused && this.#overBacklog() && !this.#socketClosed) {
      this.#paused = true;
      this.#o.ws.pause();
    }
    if (!this.#pumping) void this.#pump();
  }

  /** One publish at a time, so the broker assigns positions in arrival order whatever its latency. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    const { ctx, channel, retention } = this.#o;
    await this.#ready;
    while (this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      const kind: MessageKind = item.control ? 'reset' : this.#chunkKind();
      try {
        await ctx.hub.publish(hubChannel(channel), item.payload, { kind, retention });
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message, conn: this.id }, 'relay publish failed');
      }
      this.#backlogBytes -= item.payload.byteLength;
      if (this.#paused && this.#backlogBackUnderHalf()) {
        this.#paused = false;
        if (!this.#socketClosed) this.#o.ws.resume();
      }
    }
    this.#pumping = false;
    if (this.#socketClosed) await this.#afterEnd();
  }

  /**
   * The backlog is bounded in bytes and in chunks (issue 15 item 2: many tiny chunks cost memory
   * and broker round trips that a byte bound alone does not see).
   */
  #overBacklog(): boolean {
    const s = this.#o.settings;
    return this.#backlogBytes > s.maxPublishBacklogBytes || this.#queue.length >= s.maxPublishBacklogChunks;
  }

  /** Reading resumes only once both are back under half, so a publisher at the bound does not toggle it per chunk. */
  #backlogBackUnderHalf(): boolean {
    const s = this.#o.settings;
    return this.#backlogBytes <= s.maxPublishBacklogBytes / 2 && this.#queue.length <= s.maxPublishBacklogChunks / 2;
  }

  #chunkKind(): MessageKind {
    const first = !this.#sentFirst;
    this.#sentFirst = true;
    if (this.#cacheDisabled) return 'volatile';
    // Notes decision: the first chunk (WebM EBML header) is pinned; it also starts a new generation.
    return first && this.#o.settings.pinFirstChunk ? 'snapshot' : 'data';
  }

  #onSocketClose(): void {
    if (this.#socketClosed) return;
    this.#socketClosed = true;
    this.#liveness.stop();
    this.#subscriber.detach();
    this.#o.onClosed();
    // Notes §3.4 EndPublish: receivers of this publish close, the cache is discarded.
    this.#enqueue(encodeControl({ type: 'end', publishId: this.#o.lease.claim.publishId }), true);
  }

  async #afterEnd(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    // The lease is released only after `end` is ordered, so the next publish's `start` follows it.
    await this.#o.lease.release();
    this.#resolveDone();
  }
}

/**
 * A cached chunk must not pin a larger buffer: `ws` may hand out a view into a socket read buffer
 * or Node's shared pool, and a 100-byte view could keep 64 KiB alive for the life of the cache,
 * breaking the byte bound. Such views are copied once; whole buffers are kept as they are.
 */
function ownBytes(chunk: Uint8Array): Uint8Array {
  return chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength ? chunk : new Uint8Array(chunk);
}
