/**
 * StreamHubClient: one connection to a StreamHub protocol listener (PROTOCOL.md), kept alive across
 * failures. It reconnects with full-jitter backoff, resubscribes every subscription from its last
 * position, refreshes the token before `exp`, answers the server's pings, and falls back to a
 * read-only SSE stream where WebSocket cannot connect.
 */
import { Backoff } from './backoff.js';
import type { ClientEvents, ClientOptions, ClientState, ConnectedEvent, HistoryOptions, HistoryResult, PresenceResult, PublishOptions, PublishResult, TransportKind } from './client-options.js';
import { systemClock, type Clock } from './clock.js';
import { closeCodeName, publishFrame, readOnly, toError, toHistoryResult, toPresenceResult, toPublishResult, type Frame } from './commands.js';
import { Emitter } from './emitter.js';
import { endpoints, type Endpoints } from './endpoints.js';
import { StreamHubError } from './errors.js';
import { PendingCommands } from './pending.js';
import {
  CloseCode,
  FATAL_SUBSCRIBE_CODES,
  PING_GRACE_MS,
  shouldReconnect,
  type ConnectedFrame,
  type ErrorFrame,
  type GapFrame,
  type PresenceMember,
  type PubFrame,
  type SubscribedFrame,
} from './protocol.js';
import { canOpenSse, openSse } from './open-sse.js';
import { Subscription, type SubscribeOptions, type SubscriptionControl } from './subscription.js';
import { DEFAULT_REFRESH_LEAD_MS, refreshDelayForExpiry, tokenExpiresSoon } from './token.js';
import type { Transport, TransportClose, TransportFrame, TransportHandlers } from './transport.js';
import { openWebSocketTransport, type WebSocketConstructor } from './ws-transport.js';

const TIMER_NAMES = ['reconnect', 'handshake', 'liveness', 'refresh'] as const;

export class StreamHubClient extends Emitter<ClientEvents> {
  readonly #endpoints: Endpoints;
  readonly #options: ClientOptions;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #pending: PendingCommands;
  readonly #subs = new Map<string, { sub: Subscription; control: SubscriptionControl }>();
  readonly #transports: readonly TransportKind[];
  #state: ClientState = 'disconnected';
  #wanted = false;
  #generation = 0;
  #transport: Transport | undefined;
  #kind: TransportKind;
  #wsFailures = 0;
  #token: string | undefined;
  #tokenStale = false;
  #refreshing = false;
  #pingIntervalMs = 25_000;
  #lastFrameAt = 0;
  readonly #timers: Record<(typeof TIMER_NAMES)[number], unknown> = { reconnect: undefined, handshake: undefined, liveness: undefined, refresh: undefined };

  constructor(url: string, options: ClientOptions = {}) {
    super();
    this.#endpoints = endpoints(url);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new Backoff(options.backoff, options.random);
    this.#pending = new PendingCommands(this.#clock, options.maxPendingCommands ?? 1_000, options.timeoutMs ?? 10_000);
    this.#transports = options.transports ?? ['websocket', 'sse'];
    if (this.#transports.length === 0) throw new TypeError('StreamHubClient: transports must name at least one transport');
    this.#kind = this.#transports[0] as TransportKind;
    this.#token = options.token;
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The transport in use or being tried. */
  get transport(): TransportKind {
    return this.#kind;
  }

  /** Starts connecting (and keeps reconnecting until `disconnect()`). Idempotent. */
  connect(): this {
    if (this.#wanted) return this;
    this.#wanted = true;
    this.#backoff.reset();
    this.#attempt(0);
    return this;
  }

  /** Closes the connection and stops reconnecting. Subscriptions stay registered: `connect()` resumes them. */
  disconnect(): void {
    const was = this.#wanted || this.#state !== 'disconnected';
    this.#wanted = false;
    this.#generation += 1;
    this.#clearTimers();
    this.#transport?.close(CloseCode.normal, 'client disconnect');
    this.#transport = undefined;
    for (const { control } of this.#subs.values()) control.setState('subscribing');
    this.#pending.failAll(new StreamHubError('closed', 'client disconnected'));
    this.#setState('disconnected');
    if (was) this.emit('disconnected', { code: CloseCode.normal, reason: 'client disconnect', reconnect: false });
  }

  /** Resolves once connected (at once if connected now); rejects after `timeoutMs` or if the client gives up. */
  ready(timeoutMs = 10_000): Promise<ConnectedEvent> {
    return new Promise((resolve, reject) => {
      if (this.#state === 'connected') return resolve({ transport: this.#kind });
      const offs = [
        this.once('connected', (e) => done(undefined, e)),
        this.on('disconnected', (e) => !e.reconnect && done(new StreamHubError('closed', `disconnected: ${e.code} ${e.reason}`))),
      ];
      const timer = setTimeout(() => done(new StreamHubError('timeout', `not connected within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error, e?: ConnectedEvent) => {
        clearTimeout(timer);
        for (const off of offs) off();
        if (err) reject(err);
        else resolve(e as ConnectedEvent);
      };
    });
  }

  /** Follows `channel` (its hub name, e.g. `match:demo`); one subscription per channel. */
  subscribe(channel: string, options: SubscribeOptions = {}): Subscription {
    if (this.#subs.has(channel)) throw new StreamHubError('already_subscribed', `already subscribed to ${channel}`);
    let control: SubscriptionControl | undefined;
    const sub = new Subscription(channel, options, { unsubscribe: (s) => this.#unsubscribe(s), resync: (s) => this.#resync(s) }, (c) => (control = c));
    this.#subs.set(channel, { sub, control: control as SubscriptionControl });
    if (this.#kind === 'sse') {
      if (this.#wanted) this.#reopenSse();
    } else if (this.#state === 'connected') this.#sendSubscribe([channel]);
    return sub;
  }

  /** The subscription of `channel`, if any. */
  getSubscription(channel: string): Subscription | undefined {
    return this.#subs.get(channel)?.sub;
  }

  /** Publishes into a `streamhub:` channel (§11): a Uint8Array travels as base64, anything else as JSON. */
  async publish(channel: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    const frame = publishFrame(channel, data, options);
    return toPublishResult(channel, frame.idempotencyKey, await this.#request(frame, true));
  }

  /** The channel's retained history without subscribing (§10). */
  async history(channel: string, options: HistoryOptions = {}): Promise<HistoryResult> {
    return toHistoryResult(await this.#request({ type: 'history', channel, ...options }, true));
  }

  /** Presence counts (cheap) and, with `members: true`, up to the server's bound of members (§12). */
  async presence(channel: string, options: { members?: boolean } = {}): Promise<PresenceResult> {
    return toPresenceResult(await this.#request({ type: 'presence', channel, members: options.members === true }, true));
  }

  // ── connection lifecycle ──────────────────────────────────────────────────────────────

  #setState(state: ClientState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #attempt(delayMs: number): void {
    this.#setState('connecting');
    this.#kind = this.#chooseTransport();
    this.emit('connecting', { transport: this.#kind, attempt: this.#backoff.attempt, delayMs });
    const gen = ++this.#generation;
    this.#timers.reconnect = this.#clock.setTimeout(() => void this.#open(gen), delayMs);
  }

  #chooseTransport(): TransportKind {
    const hasWs = this.#transports.includes('websocket') && this.#webSocketCtor() !== undefined;
    const hasSse = this.#transports.includes('sse') && canOpenSse(this.#options);
    if (!hasWs) return 'sse';
    if (!hasSse) return 'websocket';
    return this.#wsFailures >= (this.#options.sseFallbackAfter ?? 2) ? 'sse' : 'websocket';
  }

  async #open(gen: number): Promise<void> {
    let token: string | undefined;
    try {
      token = await this.#currentToken();
    } catch (err) {
      if (gen !== this.#generation) return;
      this.emit('error', new StreamHubError('token', 'getToken failed', { cause: err, temporary: true }));
      return this.#scheduleReconnect();
    }
    if (gen !== this.#generation) return;
    const handlers = {
      onOpen: () => gen === this.#generation && this.#onOpen(),
      onFrame: (frame: TransportFrame) => gen === this.#generation && this.#onFrame(frame),
      onClose: (close: TransportClose) => gen === this.#generation && this.#onClose(close),
      onActivity: () => {
        if (gen === this.#generation) this.#lastFrameAt = this.#clock.now();
      },
    };
    try {
      this.#openTransport(token, handlers);
    } catch (err) {
      // A constructor that throws (a bad URL, a browser's SecurityError, no transport at all) fails like a refused connection.
      this.emit('error', new StreamHubError('transport', `cannot open ${this.#kind}: ${(err as Error).message}`, { cause: err }));
      this.#onClose({ code: CloseCode.abnormal, reason: 'transport failed to open', opened: false });
    }
  }

  #openTransport(token: string | undefined, handlers: TransportHandlers): void {
    if (this.#kind === 'websocket') {
      this.#transport = openWebSocketTransport(this.#webSocketCtor() as WebSocketConstructor, this.#endpoints.ws, handlers);
      return;
    }
    const channels = [...this.#subs.values()].map(({ sub, control }) => ({ channel: sub.channel, since: control.since() }));
    if (channels.length === 0) {
      // §16: a stream needs at least one channel. Nothing to read: try WebSocket again if allowed, else wait for subscribe().
      if (!this.#transports.includes('websocket') || this.#webSocketCtor() === undefined) return;
      this.#wsFailures = 0;
      return this.#scheduleReconnect();
    }
    this.#transport = openSse(this.#endpoints.sse, channels, token, this.#options, handlers);
  }

  async #currentToken(): Promise<string | undefined> {
    const { getToken } = this.#options;
    const lead = this.#options.refreshLeadMs ?? DEFAULT_REFRESH_LEAD_MS;
    if (getToken && (this.#token === undefined || this.#tokenStale || tokenExpiresSoon(this.#token, this.#clock.now(), lead))) {
      this.#token = await getToken();
      this.#tokenStale = false;
    }
    return this.#token;
  }

  #onOpen(): void {
    if (this.#kind === 'sse') return this.#onConnected({ transport: 'sse' });
    const id = this.#pending.nextId();
    const frame: Record<string, unknown> = { type: 'connect', id };
    if (this.#token) frame.token = this.#token;
    if (this.#options.info !== undefined) frame.info = this.#options.info;
    if (this.#options.name) frame.name = this.#options.name;
    this.#handshakeId = id;
    this.#send(frame);
    this.#timers.handshake = this.#clock.setTimeout(() => this.#transport?.close(4000, 'connect timeout'), this.#options.timeoutMs ?? 10_000);
  }

  #handshakeId = 0;

  #onConnected(event: ConnectedEvent): void {
    this.#clock.clearTimeout(this.#timers.handshake);
    this.#backoff.reset();
    if (event.transport === 'websocket') this.#wsFailures = 0;
    this.#setState('connected');
    this.emit('connected', event);
    if (event.transport === 'websocket') {
      if (this.#subs.size > 0) this.#sendSubscribe([...this.#subs.keys()]);
      this.#flushPending();
      this.#watchLiveness();
      if (typeof event.expiresAt === 'number') this.#scheduleRefresh(event.expiresAt);
    } else {
      for (const c of this.#pending.unsent()) this.#pending.fail(c.id, readOnly());
      if (!this.#options.EventSource) this.#watchLiveness(this.#options.sseIdleTimeoutMs ?? 45_000);
    }
  }

  #onClose(close: TransportClose): void {
    this.#transport = undefined;
    this.#generation += 1;
    this.#clearTimers();
    if (this.#kind === 'websocket' && !close.opened) this.#wsFailures += 1;
    // After an SSE session, the next attempt probes WebSocket once again (a proxy may have changed its mind).
    if (this.#kind === 'sse' && close.opened) this.#wsFailures = Math.max(0, (this.#options.sseFallbackAfter ?? 2) - 1);
    for (const { control } of this.#subs.values()) control.setState('subscribing');
    this.#pending.connectionLost(new StreamHubError('disconnected', `connection closed: ${close.code} ${close.reason}`, { temporary: true }));
    if (close.code === CloseCode.tokenExpired || close.code === CloseCode.unauthorized) this.#tokenStale = true;
    // 4500 with a token callback: a new token may be accepted (§15 "not with the same token").
    const reconnect = this.#wanted && (shouldReconnect(close.code) || (close.code === CloseCode.unauthorized && this.#options.getToken !== undefined));
    const exhausted = reconnect && this.#backoff.exhausted;
    this.emit('disconnected', { code: close.code, reason: close.reason, reconnect: reconnect && !exhausted });
    if (reconnect && !exhausted) return this.#scheduleReconnect();
    if (this.#wanted) this.emit('error', new StreamHubError(closeCodeName(close.code), `connection closed for good: ${close.code} ${close.reason}`));
    this.#wanted = false;
    this.#pending.failAll(new StreamHubError('closed', 'client gave up'));
    this.#setState('disconnected');
  }

  #scheduleReconnect(): void {
    if (!this.#wanted) return;
    this.#attempt(this.#backoff.next());
  }

  /** Switches the SSE stream to the current channel list (SSE cannot subscribe on an open stream). */
  #reopenSse(): void {
    this.#generation += 1;
    this.#clearTimers();
    this.#transport?.close(CloseCode.normal, 'channel list changed');
    this.#transport = undefined;
    for (const { control } of this.#subs.values()) control.setState('subscribing');
    this.#attempt(0);
  }

  #clearTimers(): void {
    for (const key of TIMER_NAMES) {
      this.#clock.clearTimeout(this.#timers[key]);
      this.#timers[key] = undefined;
    }
  }

  /** §13: a connection that brought nothing (not even a ping) for pingIntervalMs + grace is dead. */
  #watchLiveness(windowMs = this.#pingIntervalMs + (this.#options.pingGraceMs ?? PING_GRACE_MS)): void {
    const check = () => {
      const idle = this.#clock.now() - this.#lastFrameAt;
      if (idle >= windowMs) return this.#closeDead();
      this.#timers.liveness = this.#clock.setTimeout(check, windowMs - idle);
    };
    this.#lastFrameAt = this.#clock.now();
    this.#timers.liveness = this.#clock.setTimeout(check, windowMs);
  }

  /** Ends a connection that went silent; the transport reports the close at once, so the usual reconnect follows. */
  #closeDead(): void {
    this.#transport?.close(4000, 'connection silent');
  }

  #scheduleRefresh(expiresAt: number): void {
    if (!this.#options.getToken) return;
    this.#clock.clearTimeout(this.#timers.refresh);
    const delay = refreshDelayForExpiry(expiresAt, this.#clock.now(), { leadMs: this.#options.refreshLeadMs });
    this.#timers.refresh = this.#clock.setTimeout(() => void this.#refresh(), delay);
  }

  /** §6: a new token on the open connection. */
  async #refresh(): Promise<void> {
    const { getToken } = this.#options;
    if (!getToken || this.#refreshing || this.#state !== 'connected' || this.#kind !== 'websocket') return;
    this.#refreshing = true;
    try {
      this.#token = await getToken();
      const reply = await this.#request({ type: 'refresh', token: this.#token }, false);
      const expiresAt = (reply.expiresAt as number | null | undefined) ?? null;
      this.emit('refreshed', { expiresAt });
      if (expiresAt !== null) this.#scheduleRefresh(expiresAt);
    } catch (err) {
      this.emit('error', err instanceof StreamHubError ? err : new StreamHubError('token', 'token refresh failed', { cause: err, temporary: true }));
    } finally {
      this.#refreshing = false;
    }
  }

  // ── frames ────────────────────────────────────────────────────────────────────────────

  #send(frame: Record<string, unknown>): void {
    this.#transport?.send(JSON.stringify(frame));
  }

  #onFrame(raw: TransportFrame): void {
    this.#lastFrameAt = this.#clock.now();
    let frame: Frame;
    try {
      frame = JSON.parse(raw.text) as Frame;
    } catch (err) {
      this.emit('error', new StreamHubError('bad_frame', 'a frame from the server is not JSON', { cause: err }));
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    const entry = typeof frame.channel === 'string' ? this.#subs.get(frame.channel) : undefined;
    switch (frame.type) {
      case 'connected':
        if (frame.id === this.#handshakeId) return this.#onHandshake(frame as unknown as ConnectedFrame);
        return;
      case 'pub':
        return entry?.control.onPub(frame as unknown as PubFrame);
      case 'subscribed':
        if (entry) entry.control.onSubscribed(frame as unknown as SubscribedFrame, this.#kind);
        break;
      case 'gap':
        return entry?.control.onGap(frame as unknown as GapFrame);
      case 'join':
      case 'leave':
        return entry?.control.onPresence(frame.type, frame.member as PresenceMember);
      case 'ping':
        if (frame.id === undefined) this.#send({ type: 'pong' });
        return;
      case 'refresh_required':
        void this.#refresh();
        return;
      case 'unsubscribed':
        if (frame.id === undefined) return this.#onServerUnsubscribed(frame);
        break;
      case 'error':
        if (frame.id === undefined) return this.#onUnaddressedError(frame as unknown as ErrorFrame);
        if (frame.id === this.#handshakeId) return this.emit('error', toError(frame as unknown as ErrorFrame));
        break;
      default:
        break;
    }
    if (typeof frame.id === 'number') this.#pending.reply(frame.id, frame);
  }

  #onHandshake(frame: ConnectedFrame): void {
    this.#pingIntervalMs = frame.pingIntervalMs > 0 ? frame.pingIntervalMs : this.#pingIntervalMs;
    this.#onConnected({ transport: 'websocket', client: frame.client, user: frame.user, expiresAt: frame.expiresAt });
  }

  #onServerUnsubscribed(frame: Frame): void {
    const reason = typeof frame.reason === 'string' ? frame.reason : 'server';
    for (const channel of (frame.channels as string[] | undefined) ?? (typeof frame.channel === 'string' ? [frame.channel] : [])) {
      const entry = this.#subs.get(channel);
      if (!entry) continue;
      this.#subs.delete(channel);
      entry.control.onEnded(reason);
    }
  }

  #onUnaddressedError(frame: ErrorFrame): void {
    const err = toError(frame);
    const entry = frame.channel ? this.#subs.get(frame.channel) : undefined;
    if (entry) this.#onSubscribeError(entry.sub, entry.control, err);
    else this.emit('error', err);
  }

  // ── commands ──────────────────────────────────────────────────────────────────────────

  /** Sends (or queues until connected) a command and resolves with its reply; `resend`: safe to repeat after a reconnect. */
  #request(frame: Record<string, unknown>, resend: boolean): Promise<Frame> {
    if (!this.#wanted) return Promise.reject(new StreamHubError('not_connected', 'call connect() first'));
    if ((this.#kind === 'sse' && this.#state === 'connected') || !this.#transports.includes('websocket')) return Promise.reject(readOnly());
    return new Promise((resolve, reject) => {
      const id = this.#pending.nextId();
      const command = {
        id,
        frame: { ...frame, id },
        resend,
        sent: false,
        onReply: (reply: Record<string, unknown>) => {
          if (reply.type === 'error') reject(toError(reply as unknown as ErrorFrame));
          else resolve(reply as Frame);
          return true;
        },
        fail: (err: StreamHubError) => reject(err),
      };
      this.#pending.add(command);
      if (this.#state === 'connected' && this.#kind === 'websocket') {
        command.sent = true;
        this.#send(command.frame);
      }
    });
  }

  #flushPending(): void {
    for (const command of this.#pending.unsent()) {
      command.sent = true;
      this.#send(command.frame as Record<string, unknown>);
    }
  }

  /** §7: one `subscribe` frame for `channels`, each with its `since`; one reply per channel. */
  #sendSubscribe(channels: string[]): void {
    const id = this.#pending.nextId();
    const specs = channels.flatMap((channel) => {
      const entry = this.#subs.get(channel);
      if (!entry) return [];
      const { sub, control } = entry;
      control.setState('subscribing');
      const since = control.since();
      return [{ channel, ...(since ? { since } : {}), ...(sub.options.delta ? { delta: 'fossil' } : {}), ...(sub.options.presence ? { presence: true } : {}) }];
    });
    if (specs.length === 0) return;
    const waiting = new Set(specs.map((s) => s.channel));
    try {
      this.#pending.add({
        id,
        frame: { type: 'subscribe', id, channels: specs },
        resend: false,
        sent: true,
        onReply: (reply) => {
          const channel = reply.channel as string | undefined;
          if (channel === undefined) return true;
          waiting.delete(channel);
          if (reply.type === 'error') {
            const entry = this.#subs.get(channel);
            if (entry) this.#onSubscribeError(entry.sub, entry.control, toError(reply as unknown as ErrorFrame));
          }
          return waiting.size === 0;
        },
        // A subscribe that gets no answer means the server is not serving this connection: start over.
        fail: (err) => err.code === 'timeout' && this.#transport?.close(4000, 'subscribe timeout'),
      });
    } catch (err) {
      for (const channel of waiting) this.#subs.get(channel)?.control.onError(err as StreamHubError);
      return;
    }
    this.#send({ type: 'subscribe', id, channels: specs });
  }

  #onSubscribeError(sub: Subscription, control: SubscriptionControl, err: StreamHubError): void {
    if (FATAL_SUBSCRIBE_CODES.has(err.code)) {
      this.#subs.delete(sub.channel);
      control.onError(err);
      control.onEnded(err.code);
      return;
    }
    control.onError(err);
    if (err.code === 'already_subscribed') return control.setState('subscribed');
    // A temporary refusal (rate_limited, unavailable): ask again after a jittered pause.
    const delay = new Backoff(this.#options.backoff, this.#options.random).next();
    this.#clock.setTimeout(() => {
      if (this.#state === 'connected' && this.#subs.get(sub.channel)?.sub === sub && sub.state === 'subscribing') this.#sendSubscribe([sub.channel]);
    }, delay);
  }

  #unsubscribe(sub: Subscription): void {
    const entry = this.#subs.get(sub.channel);
    if (!entry || entry.sub !== sub) return;
    this.#subs.delete(sub.channel);
    entry.control.onEnded('client');
    if (this.#kind === 'sse') {
      if (this.#wanted) this.#reopenSse();
      return;
    }
    if (this.#state === 'connected') this.#request({ type: 'unsubscribe', channels: [sub.channel] }, false).catch(() => undefined);
  }

  #resync(sub: Subscription): void {
    const entry = this.#subs.get(sub.channel);
    if (!entry || entry.sub !== sub) return;
    entry.control.forget();
    entry.control.setState('subscribing');
    if (this.#kind === 'sse') {
      if (this.#wanted) this.#reopenSse();
      return;
    }
    if (this.#state !== 'connected') return;
    // §9: no pub of the channel follows the `unsubscribed` reply, and §7's reply to the new subscribe starts clean.
    this.#request({ type: 'unsubscribe', channels: [sub.channel] }, false)
      .catch(() => undefined)
      .then(() => {
        if (this.#subs.get(sub.channel)?.sub === sub && this.#state === 'connected') this.#sendSubscribe([sub.channel]);
      });
  }

  #webSocketCtor(): WebSocketConstructor | undefined {
    return this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  }
}
