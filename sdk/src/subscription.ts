/**
 * One channel the application follows. The client owns the socket; the subscription owns what is
 * known about its channel: the last position (sent as `since` when the client resubscribes after a
 * reconnect), continuity, and the delta base (PROTOCOL.md §7, §8, §17).
 */
import { Emitter } from './emitter.js';
import { StreamHubError } from './errors.js';
import { applyDelta } from './fossil-delta.js';
import { continuity, type StreamPosition } from './position.js';
import type { GapFrame, PresenceMember, PubFrame, SubscribedFrame } from './protocol.js';
import { decodePublication, type Publication } from './publication.js';

export interface SubscribeOptions {
  /** Resume after this position: the reply then says whether the missed publications were all recovered. */
  readonly since?: StreamPosition;
  /** Ask for Fossil deltas of JSON payloads (§17; WebSocket only). The SDK hands out full values either way. */
  readonly delta?: boolean;
  /** Receive `join`/`leave` pushes of the channel's presence (needs the `presence` permission; WebSocket only). */
  readonly presence?: boolean;
  /**
   * After a continuity loss during a live stream (a `gap`: broker restart, lost publications), drop the
   * position and subscribe again without `since`, so the channel's whole state (snapshot first) is
   * delivered again (§8). Default false: the application decides (`resync()`).
   */
  readonly resyncOnGap?: boolean;
}

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** Why continuity was lost: a live `gap` (§8), or a resume that could not be served (`recovered: false`). */
export interface ContinuityLost {
  readonly reason: 'epoch_changed' | 'offset_gap' | 'not_recovered';
  /** The last position this subscription had. */
  readonly last?: StreamPosition;
  /** The position the stream continues from (null when the channel has no history yet). */
  readonly next?: StreamPosition | null;
}

export interface SubscribedEvent {
  /** True: every publication after `since` follows, exactly. False: the channel's whole state follows (replace yours). */
  readonly recovered: boolean;
  /** The channel's top when the replay was read. */
  readonly position: StreamPosition | null;
  /** Whether this subscription asked to resume (`since` was sent). */
  readonly resumed: boolean;
  readonly transport: 'websocket' | 'sse';
}

export interface SubscriptionEvents {
  state: SubscriptionState;
  subscribed: SubscribedEvent;
  publication: Publication;
  'continuity-lost': ContinuityLost;
  join: PresenceMember;
  leave: PresenceMember;
  /** The subscription ended: `client` (unsubscribe()), or the server's reason (e.g. `permission_denied` after a refresh). */
  unsubscribed: { readonly reason: string };
  error: StreamHubError;
}

/** What the client offers a subscription. */
export interface SubscriptionHost {
  unsubscribe(sub: Subscription): void;
  resync(sub: Subscription): void;
}

/** The client's handle on a subscription's internals (not part of the public API). */
export interface SubscriptionControl {
  /** The `since` to send on (re)subscribe. */
  since(): StreamPosition | undefined;
  setState(state: SubscriptionState): void;
  onSubscribed(frame: SubscribedFrame, transport: 'websocket' | 'sse'): void;
  onPub(frame: PubFrame): void;
  onGap(frame: GapFrame): void;
  onPresence(type: 'join' | 'leave', member: PresenceMember): void;
  onEnded(reason: string): void;
  onError(err: StreamHubError): void;
  /** Forget the position: the next subscribe asks for the whole state. */
  forget(): void;
}

export class Subscription extends Emitter<SubscriptionEvents> {
  readonly channel: string;
  readonly options: Readonly<SubscribeOptions>;
  readonly #host: SubscriptionHost;
  #state: SubscriptionState = 'subscribing';
  #position: StreamPosition | undefined;
  /** SSE sends the replay as `pub` events after `subscribed`: up to this position they are replayed ones. */
  #replayUntil: StreamPosition | undefined;
  /** A `gap` frame announced the next discontinuity; do not report it twice. */
  #announced = false;
  /** §17: the previous publication's JSON text (UTF-8) in a delta subscription. */
  #deltaBase: Uint8Array | undefined;

  /** Created by StreamHubClient.subscribe; `expose` hands the control object to the client. */
  constructor(channel: string, options: SubscribeOptions, host: SubscriptionHost, expose: (control: SubscriptionControl) => void) {
    super();
    this.channel = channel;
    this.options = { ...options };
    this.#host = host;
    this.#position = options.since;
    expose(this.#control());
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  /** The position of the last publication delivered (or the `since` given, before the first one). */
  get position(): StreamPosition | undefined {
    return this.#position;
  }

  /** Stops following the channel. Idempotent. */
  unsubscribe(): void {
    if (this.#state === 'unsubscribed') return;
    this.#host.unsubscribe(this);
  }

  /** Drops the position and subscribes again without `since`: the channel's whole state is delivered again (§8). */
  resync(): void {
    if (this.#state === 'unsubscribed') return;
    this.#host.resync(this);
  }

  /** Resolves at the next `subscribed` event (at once if subscribed now); rejects on error or timeout. */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.#state === 'subscribed') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offs = [
        this.once('subscribed', () => done()),
        this.once('error', (err) => done(err)),
        this.once('unsubscribed', (e) => done(new StreamHubError('unsubscribed', `subscription ended: ${e.reason}`))),
      ];
      const timer = setTimeout(() => done(new StreamHubError('timeout', `not subscribed to ${this.channel} within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        for (const off of offs) off();
        if (err) reject(err);
        else resolve();
      };
    });
  }

  #control(): SubscriptionControl {
    return {
      since: () => this.#position,
      setState: (state) => this.#setState(state),
      onSubscribed: (frame, transport) => this.#onSubscribed(frame, transport),
      onPub: (frame) => {
        // Between a resubscribe and its reply the old stream's leftovers are not this subscription's state.
        if (this.#state === 'subscribed') this.#onLive(frame);
      },
      onGap: (frame) => this.#onGap(frame),
      onPresence: (type, member) => this.emit(type, member),
      onEnded: (reason) => {
        this.#setState('unsubscribed');
        this.emit('unsubscribed', { reason });
      },
      onError: (err) => this.emit('error', err),
      forget: () => {
        this.#position = undefined;
        this.#deltaBase = undefined;
      },
    };
  }

  #setState(state: SubscriptionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #onSubscribed(frame: SubscribedFrame, transport: 'websocket' | 'sse'): void {
    const had = this.#position;
    this.#deltaBase = undefined;
    this.#announced = false;
    this.#setState('subscribed');
    if (had && !frame.recovered) {
      const epochChanged = frame.position !== null && frame.position.epoch !== had.epoch;
      this.emit('continuity-lost', { reason: epochChanged ? 'epoch_changed' : 'not_recovered', last: had, next: frame.position });
    }
    // Not recovered: the whole state follows, the old position means nothing for it.
    if (!frame.recovered) this.#position = undefined;
    this.emit('subscribed', { recovered: frame.recovered, position: frame.position, resumed: had !== undefined, transport });
    if (transport === 'sse') {
      // §16: the replay follows as `pub` events, each up to the top the reply names.
      this.#replayUntil = frame.position ?? undefined;
      if (this.#replayUntil && this.#position && this.#position.epoch === this.#replayUntil.epoch && this.#position.offset >= this.#replayUntil.offset) {
        this.#replayUntil = undefined;
      }
      return;
    }
    for (const pub of frame.publications ?? []) this.#deliver(pub, true);
    // §7: `position` may be past the last replayed publication (volatile ones take offsets, are not retained).
    this.#position = later(this.#position, frame.position ?? undefined);
  }

  #onLive(frame: PubFrame): void {
    const received = { offset: frame.offset, epoch: frame.epoch };
    if (this.#replayUntil) {
      const top = this.#replayUntil;
      if (received.epoch === top.epoch && received.offset <= top.offset) {
        if (received.offset === top.offset) this.#replayUntil = undefined;
        this.#deliver(frame, true);
        return;
      }
      // Past the replay's top: live from here; the top itself may be a volatile offset never replayed (§7).
      this.#position = later(this.#position, top);
      this.#replayUntil = undefined;
    }
    const c = continuity(this.#position, received);
    if (c === 'duplicate') return;
    if ((c === 'gap' || c === 'epoch-changed') && !this.#announced) {
      // The server announces every discontinuity with `gap` (§8); this is the SDK's own check behind it.
      this.emit('continuity-lost', { reason: c === 'gap' ? 'offset_gap' : 'epoch_changed', last: this.#position, next: received });
      this.#deltaBase = undefined;
    }
    this.#announced = false;
    this.#deliver(frame, false);
  }

  #onGap(frame: GapFrame): void {
    this.emit('continuity-lost', { reason: frame.reason, last: frame.last, next: frame.next });
    this.#announced = true;
    this.#deltaBase = undefined;
    if (this.options.resyncOnGap) this.#host.resync(this);
  }

  #deliver(frame: PubFrame, replayed: boolean): void {
    let publication: Publication;
    try {
      publication = this.#decode(frame, replayed);
    } catch (err) {
      // A delta that does not apply leaves this subscription's values unknown: start it over.
      this.emit('error', new StreamHubError('bad_delta', `publication ${frame.epoch}:${frame.offset} of ${this.channel} could not be decoded`, { cause: err }));
      this.#host.resync(this);
      return;
    }
    this.#position = { offset: frame.offset, epoch: frame.epoch };
    this.emit('publication', publication);
  }

  #decode(frame: PubFrame, replayed: boolean): Publication {
    if (typeof frame.delta === 'string') {
      if (!this.#deltaBase) throw new Error('delta without a base');
      const target = applyDelta(this.#deltaBase, new TextEncoder().encode(frame.delta));
      this.#deltaBase = target;
      const { delta: _delta, ...rest } = frame;
      return decodePublication({ ...rest, json: new TextDecoder().decode(target) }, replayed);
    }
    // §17: a delta applies to the previous publication's JSON text; only a `json` one can be a base.
    this.#deltaBase = typeof frame.json === 'string' ? new TextEncoder().encode(frame.json) : undefined;
    return decodePublication(frame, replayed);
  }
}

/** The later of two positions of one stream; across epochs the second (the server's newer word) wins. */
function later(a: StreamPosition | undefined, b: StreamPosition | undefined): StreamPosition | undefined {
  if (!a || !b) return a ?? b;
  if (a.epoch !== b.epoch) return b;
  return a.offset >= b.offset ? a : b;
}
