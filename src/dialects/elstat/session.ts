/**
 * One `/api/streaming` connection (seed 004 "Connection logic"): SUBSCRIBE / UNSUBSCRIBE with
 * set semantics, DATA from the hub, incident ops to everyone, RFC 6455 keepalive. It is the
 * hub's Sink: hub messages carry finished DATA / incident frames, encoded once at publish.
 */
import type { RawData, WebSocket } from 'ws';
import type { Clock, CloseReason, Hub, Logger, Message, QueueLimits, Sink, Subscriber } from '../../core/index.js';
import { closeWithGrace, endOnceWritten, PingWatch } from '../shared/lifecycle/index.js';
import { WsWriter } from '../shared/ws-writer.js';
import { INCIDENTS_HUB_CHANNEL, Op, decodeClientFrame, encodeChannelsReply, hubChannel } from './codec.js';
import type { JsonBounds } from '../../util/json-bounds.js';

export interface SessionSettings {
  readonly maxFrameBytes: number;
  readonly maxChannelsPerConnection: number;
  readonly replayLastValue: boolean;
  readonly maxMissedPongs: number;
  readonly highWaterMarkBytes: number;
  readonly queue: QueueLimits;
  /** Depth/size bounds of a client frame's JSON (server.jsonMaxDepth / jsonMaxNodes); past them: 4200. */
  readonly jsonBounds?: JsonBounds;
}

export interface SessionHost {
  readonly hub: Hub;
  readonly log: Logger;
  readonly settings: SessionSettings;
  /** True for `status:<svc>` / `latency:<svc>` of a configured service (notes §5.3 "Unknown or duplicate channels"). */
  isValidChannel(wire: string): boolean;
  /** Called once when the socket is gone. */
  ended(session: ElstatSession): void;
}

const HUB_PREFIX = 'elstat:';

const sessions = new WeakMap<WebSocket, ElstatSession>();

// Shared listeners, not closures per connection (issue 19): the session is found by its socket.
function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  sessions.get(this)?.received(data, isBinary);
}

function wsOnPong(this: WebSocket): void {
  sessions.get(this)?.pong();
}

/** ws reports protocol errors here and closes the socket itself (e.g. 1009 past maxMessageBytes). */
function wsOnError(): void {}

function wsOnClose(this: WebSocket): void {
  sessions.get(this)?.socketClosed();
}

/** The state machine of one streaming client. */
export class ElstatSession implements Sink {
  readonly id: string;
  readonly dialect = 'elstat';
  readonly #host: SessionHost;
  readonly #ws: WebSocket;
  readonly #writer: WsWriter;
  readonly #subscriber: Subscriber;
  /** Wire channels (`status:svc`) this client holds: a set, so SUBSCRIBE repeats are idempotent. */
  readonly #channels = new Set<string>();
  /** Callbacks for when the socket is gone (shutdown only): allocated on first use. */
  #onEnded: (() => void)[] | null = null;
  readonly #ping: PingWatch;
  #closing = false;
  #ended = false;

  constructor(host: SessionHost, ws: WebSocket, id: string) {
    this.id = id;
    this.#host = host;
    this.#ws = ws;
    this.#writer = new WsWriter(ws, host.settings.highWaterMarkBytes, () => this.#subscriber.resume());
    this.#ping = new PingWatch(ws, host.settings.maxMissedPongs, () => {
      this.#host.log.debug({ conn: this.id }, 'elstat peer missed its pongs; dropped');
      this.#subscriber.detach();
      ws.terminate();
    });
    this.#subscriber = host.hub.attach(this, host.settings.queue);
    // Incident ops go to every streaming client, no subscription needed (notes §5.3) [unverified]; live only.
    this.#subscriber.subscribe(INCIDENTS_HUB_CHANNEL, { liveOnly: true, skipSnapshot: true, skipPinned: true }).catch(() => this.#fail());
    sessions.set(ws, this);
    ws.on('message', wsOnMessage);
    ws.on('pong', wsOnPong);
    ws.on('error', wsOnError);
    ws.on('close', wsOnClose); // 'close' is emitted once: no `once` wrapper per connection
  }

  /** How many channels the client holds. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Sink: writes the frames of channels the client still holds, in order, in one cork. */
  deliver(batch: readonly Message[]): boolean {
    if (this.#closing) return true;
    const frames: Uint8Array[] = [];
    for (const msg of batch) {
      // A message queued before UNSUBSCRIBE is not sent after UNSUBSCRIBED.
      if (msg.channel === INCIDENTS_HUB_CHANNEL || this.#channels.has(msg.channel.slice(HUB_PREFIX.length))) frames.push(msg.payload);
    }
    if (frames.length === 0) return this.#writer.writable;
    return this.#writer.sendBatch(frames);
  }

  /** Sink: the hub gave up on this connection (slow consumer, shutdown). */
  close(reason: CloseReason): void {
    this.#closeWith(reason, false);
  }

  /** The dialect is shutting down: close with `reason` (1001). */
  shutdown(reason: CloseReason): void {
    this.#closeWith(reason, true);
  }

  /** Graceful shutdown (issue 14): `shutdown(reason)` once what is queued for this page is written, or after `flushLimitMs`. */
  drainAndShutdown(reason: CloseReason, flushLimitMs: number, clock: Clock): void {
    endOnceWritten(() => this.shutdown(reason), { ws: this.#ws, writer: this.#writer, subscriber: () => this.#subscriber }, clock, flushLimitMs);
  }

  /** Drops the socket without a close handshake (shutdown deadline passed). */
  terminate(): void {
    this.#ws.terminate();
  }

  /** Runs `fn` once the socket is gone (at once if it already is). */
  onEnded(fn: () => void): void {
    if (this.#ended) fn();
    else (this.#onEnded ??= []).push(fn);
  }

  /** Called by the dialect every ping interval [RFC 6455 §5.5.2]: a peer that missed too many pongs is dropped. */
  keepalive(): void {
    if (this.#closing || this.#ended) return;
    this.#ping.due();
  }

  /** The peer answered a ping. */
  pong(): void {
    this.#ping.pong();
  }

  /** A frame from the client (the socket's 'message'). */
  received(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const result = decodeClientFrame(bytes, isBinary, this.#host.settings.maxFrameBytes, this.#host.settings.jsonBounds);
    if (!result.ok) {
      this.#host.log.debug({ conn: this.id, why: result.why }, 'elstat bad frame');
      this.#closeWith(result.close, true);
      return;
    }
    if (result.command.op === Op.subscribe) this.#subscribe(result.command.channels);
    else this.#unsubscribe(result.command.channels);
  }

  /**
   * SUBSCRIBE accumulates (notes §5.3). SUBSCRIBED lists only valid channels newly added; past
   * the per-connection cap the remaining channels are left out (not an error). Then, per the notes
   * decision, the hub replays each new channel's snapshot: one DATA with its last value.
   */
  #subscribe(requested: readonly string[]): void {
    const { maxChannelsPerConnection, replayLastValue } = this.#host.settings;
    const added: string[] = [];
    for (const channel of requested) {
      if (this.#channels.has(channel) || !this.#host.isValidChannel(channel)) continue;
      if (this.#channels.size >= maxChannelsPerConnection) break;
      this.#channels.add(channel);
      added.push(channel);
    }
    this.#writer.send(encodeChannelsReply(Op.subscribed, added));
    const options = replayLastValue ? {} : { skipSnapshot: true, liveOnly: true };
    for (const channel of added) this.#subscriber.subscribe(hubChannel(channel), options).catch(() => this.#fail());
  }

  /** UNSUBSCRIBED lists only channels the client actually had (notes §5.3). */
  #unsubscribe(requested: readonly string[]): void {
    const removed: string[] = [];
    for (const channel of requested) {
      if (!this.#channels.delete(channel)) continue;
      removed.push(channel);
      this.#subscriber.unsubscribe(hubChannel(channel));
    }
    this.#writer.send(encodeChannelsReply(Op.unsubscribed, removed));
  }

  /** A hub failure on one connection closes that connection only (STYLE rule 6). */
  #fail(): void {
    this.#closeWith({ code: 1011, reason: 'internal error' }, true);
  }

  #closeWith(reason: CloseReason, detach: boolean): void {
    if (this.#closing) return;
    this.#closing = true;
    if (detach) this.#subscriber.detach();
    closeWithGrace(this.#ws, reason);
  }

  /** The socket is gone (its 'close'). Idempotent. */
  socketClosed(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = true;
    this.#subscriber.detach();
    this.#channels.clear();
    this.#host.ended(this);
    const onEnded = this.#onEnded;
    this.#onEnded = null;
    if (onEnded) for (const fn of onEnded) fn();
  }
}
