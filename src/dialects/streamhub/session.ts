/**
 * One WebSocket connection of the streamhub protocol (PROTOCOL.md §5–§15): the connect handshake
 * and token lifetime, keepalive, the command rate, and its channel subscriptions. What each command
 * does is in commands.ts; this file owns the socket and the timers.
 */
import type { RawData, WebSocket } from 'ws';
import type { CloseReason } from '../../core/index.js';
import { TokenBucket } from '../../net/connection-rate.js';
import { endWhenFlushed } from '../shared/drain.js';
import { WsWriter } from '../shared/ws-writer.js';
import type { Identity } from './auth.js';
import { deadlineAt, type Deadline } from './deadline.js';
import { encodeError, encodeFrame, parseCommand, StreamhubClose, type Command, type ErrorCode } from './codec.js';
import { runCommand, type Connection, type SessionHost } from './commands.js';
import type { Member } from './presence.js';
import type { PubBatch } from './pub-batch.js';
import type { ChannelSubscription, OutFrame } from './subscription.js';

/** Frames buffered while the `connect` token is being verified; past it: 4501. */
const MAX_FRAMES_WHILE_CONNECTING = 64;

type Phase = 'awaiting_connect' | 'connecting' | 'connected' | 'closing';

/**
 * The session of each socket, for the socket listeners below: shared functions instead of closures
 * per connection (issue 19, idle memory: three closures and their context per idle connection).
 */
const sessionOf = new WeakMap<WebSocket, StreamhubSession>();

export class StreamhubSession implements Connection {
  readonly id: string;
  readonly host: SessionHost;
  readonly subscriptions = new Map<string, ChannelSubscription>();
  identity: Identity | null;
  info: unknown = undefined;
  readonly #ws: WebSocket;
  readonly #writer: WsWriter;
  readonly #rate: TokenBucket;
  /** Allocated on first use: most connections never need them (idle memory, issue 19). */
  #onEnded: (() => void)[] | null = null;
  #waiting: Buffer[] | null = null;
  #phase: Phase = 'awaiting_connect';
  #lastFrameAt: number;
  #connectTimer: unknown = null;
  #refreshTimer: Deadline | null = null;
  #expiryTimer: Deadline | null = null;
  #ended = false;

  /** `identity` is set when the upgrade request carried a valid token (`?token=` / Authorization). */
  constructor(host: SessionHost, ws: WebSocket, id: string, identity: Identity | null) {
    this.id = id;
    this.host = host;
    this.identity = identity;
    this.#ws = ws;
    this.#writer = new WsWriter(ws, host.settings.queue.highWaterMarkBytes, () => this.#drained());
    this.#rate = new TokenBucket({ perSecond: host.settings.rate.commandsPerSecond, burst: host.settings.rate.burst }, host.clock);
    this.#lastFrameAt = host.clock.now();
    this.#connectTimer = host.clock.setTimeout(() => this.close(StreamhubClose.connectTimeout), host.settings.connectTimeoutMs);
    sessionOf.set(ws, this);
    ws.on('message', StreamhubSession.#onSocketMessage);
    ws.on('error', StreamhubSession.#onSocketError);
    ws.on('close', StreamhubSession.#onSocketClose);
  }

  static #onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const session = sessionOf.get(this);
    if (session) session.#onMessage(data, isBinary);
  }

  static #onSocketError(this: WebSocket, err: Error & { code?: string }): void {
    // ws closes the socket itself after a protocol error (1009 past maxPayload, bad framing).
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') sessionOf.get(this)?.host.countClose(1009);
  }

  static #onSocketClose(this: WebSocket): void {
    const session = sessionOf.get(this);
    if (session) session.#end();
  }

  get connected(): boolean {
    return this.#phase === 'connected';
  }

  /** This connection as a presence member. */
  member(): Member {
    const user = this.identity?.user ?? '';
    return this.info === undefined ? { client: this.id, user } : { client: this.id, user, info: this.info };
  }

  send(frame: Buffer): boolean {
    if (this.#phase === 'closing' || this.#ended) return true;
    return this.#writer.send(frame);
  }

  sendError(reqId: number | undefined, code: ErrorCode, message: string, channel?: string): void {
    this.send(encodeError(reqId, code, message, channel));
  }

  /** SubscriptionOutput: pub and gap frames of one subscription. */
  write(frames: readonly OutFrame[]): boolean {
    if (this.#phase === 'closing' || this.#ended) return true;
    return this.#writer.sendBatch(frames.map((f) => f.frame));
  }

  /** SubscriptionOutput: a hub batch's shared pub frames; framed and joined once for every socket (ws-writer.ts). */
  writePubs(pubs: PubBatch): boolean {
    if (this.#phase === 'closing' || this.#ended) return true;
    return this.#writer.sendMessages(pubs.frames);
  }

  /** SubscriptionOutput: a subscription's hub queue overflowed. */
  fail(reason: CloseReason): void {
    this.close(reason);
  }

  /** The identity changed (connect or refresh): arm `refresh_required` and the expiry close. */
  armExpiry(): void {
    this.#refreshTimer?.cancel();
    this.#expiryTimer?.cancel();
    this.#refreshTimer = this.#expiryTimer = null;
    const expiresAt = this.identity?.expiresAt ?? null;
    if (expiresAt === null) return;
    const { clock, settings } = this.host;
    this.#refreshTimer = deadlineAt(clock, expiresAt - settings.auth.refreshAheadMs, () => this.send(encodeFrame({ type: 'refresh_required', expiresAt })));
    this.#expiryTimer = deadlineAt(clock, expiresAt, () => this.close(StreamhubClose.tokenExpired));
  }

  /** Connect succeeded (commands.ts): run what the client pipelined behind it. */
  markConnected(): void {
    this.#phase = 'connected';
    if (this.#connectTimer !== null) this.host.clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.armExpiry();
    const waiting = this.#waiting ?? [];
    this.#waiting = null;
    for (const frame of waiting) this.#handle(frame);
  }

  /** Called by the dialect every ping interval (PROTOCOL.md §13). */
  keepalive(): void {
    if (this.#phase === 'closing' || this.#ended) return;
    if (this.host.clock.now() - this.#lastFrameAt > 2 * this.host.settings.pingIntervalMs) {
      this.close(StreamhubClose.noPong);
      return;
    }
    if (this.#phase === 'connected') this.send(encodeFrame({ type: 'ping' }));
  }

  /** Closes with `reason` after what is written; subscriptions end at once. */
  close(reason: CloseReason): void {
    if (this.#phase === 'closing' || this.#ended) return;
    this.#phase = 'closing';
    this.host.countClose(reason.code);
    this.#stopAll();
    try {
      this.#ws.close(reason.code, reason.reason);
    } catch {
      this.#ws.terminate();
    }
  }

  /** Graceful shutdown: `reason` (1001) once what is queued is written, or after `flushLimitMs`. */
  drainAndShutdown(flushLimitMs: number, reason: CloseReason = StreamhubClose.shuttingDown): void {
    endWhenFlushed(() => this.close(reason), {
      clock: this.host.clock,
      limitMs: flushLimitMs,
      flushed: () => this.#ended || this.#ws.readyState !== 1 || (this.#queued() === 0 && this.#writer.bufferedAmount === 0),
    });
  }

  terminate(): void {
    this.#ws.terminate();
  }

  onEnded(fn: () => void): void {
    if (this.#ended) fn();
    else (this.#onEnded ??= []).push(fn);
  }

  #queued(): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) n += sub.queuedMessages;
    return n;
  }

  #drained(): void {
    for (const sub of this.subscriptions.values()) sub.resume();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#phase === 'closing') return;
    this.#lastFrameAt = this.host.clock.now();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.close(StreamhubClose.badRequest);
      return;
    }
    if (this.#phase === 'connecting') {
      const waiting = (this.#waiting ??= []);
      if (waiting.length >= MAX_FRAMES_WHILE_CONNECTING) this.close(StreamhubClose.badRequest);
      else waiting.push(bytes);
      return;
    }
    this.#handle(bytes);
  }

  #handle(bytes: Buffer): void {
    if (this.#phase === 'closing') return;
    const parsed = parseCommand(bytes, this.host.jsonBounds);
    if (!parsed.ok) {
      // Before `connect` anything but a valid connect is a protocol violation (PROTOCOL.md §5).
      if (parsed.fatal || this.#phase === 'awaiting_connect') {
        this.host.log.debug({ conn: this.id, why: parsed.why }, 'streamhub bad frame');
        this.close(StreamhubClose.badRequest);
      } else this.sendError(parsed.id, parsed.code, parsed.why);
      return;
    }
    const command = parsed.command;
    if (command.type === 'pong') return;
    if (this.#phase === 'awaiting_connect') {
      if (command.type !== 'connect') {
        this.close(StreamhubClose.badRequest);
        return;
      }
      this.#phase = 'connecting';
    } else if (command.type === 'connect') {
      this.sendError(command.id, 'bad_request', 'already connected');
      return;
    } else if (!this.#rate.take()) {
      this.sendError(commandId(command), 'rate_limited', 'too many commands');
      return;
    }
    runCommand(this, command).catch((err: unknown) => {
      this.host.log.warn({ conn: this.id, err: (err as Error).message }, 'streamhub command failed');
      this.sendError(commandId(command), 'internal', 'internal error');
    });
  }

  #stopAll(): void {
    for (const [channel, sub] of this.subscriptions) {
      sub.stop();
      this.host.presence.leave(channel, this.id, this);
    }
    this.subscriptions.clear();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#phase = 'closing';
    const { clock } = this.host;
    if (this.#connectTimer !== null) clock.clearTimeout(this.#connectTimer);
    this.#refreshTimer?.cancel();
    this.#expiryTimer?.cancel();
    this.#stopAll();
    this.#waiting = null;
    this.host.ended(this);
    const onEnded = this.#onEnded ?? [];
    this.#onEnded = null;
    for (const fn of onEnded) fn();
  }

  /** PresenceWatcher. */
  presenceEvent(type: 'join' | 'leave', channel: string, member: Member): void {
    if (this.subscriptions.has(channel)) this.send(encodeFrame({ type, channel, member }));
  }
}

function commandId(command: Command): number | undefined {
  return 'id' in command ? command.id : undefined;
}
