import {
  RetainedChannel,
  isIdempotencyKey,
  randomIds,
  systemClock,
  type Broker,
  type BrokerHealth,
  type ChannelHistory,
  type Clock,
  type HistoryQuery,
  type IdSource,
  type Message,
  type Payload,
  type PublishOptions,
  type PublishedMessage,
} from '../core/index.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { IDEMPOTENCY_DEFAULTS, IdempotencyWindow, type IdempotencyLimits } from './idempotency-window.js';

export interface MemoryBrokerOptions {
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** How often idle channels are looked for and forgotten (their retention's `idleTtlMs`). */
  readonly sweepIntervalMs?: number;
  /** Idempotency keys: window and per-channel bound (default 5 min, 10 000 keys). */
  readonly idempotency?: Partial<IdempotencyLimits>;
}

/**
 * The embedded broker: positions, retention and delivery inside this process. It is the
 * default and the reference implementation of the broker contract (test/contract), not a mock.
 * One epoch per broker instance: a restart loses continuity, so it gets a new epoch.
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly #clock: Clock;
  readonly #epoch: string;
  readonly #channels = new Map<string, RetainedChannel>();
  readonly #ttl = new Map<string, number>();
  readonly #interest = new Set<string>();
  readonly #sweepIntervalMs: number;
  readonly #idempotency: IdempotencyLimits;
  readonly #keys = new Map<string, IdempotencyWindow>();
  #deliver: ((msg: Message) => void) | null = null;
  #sweepTimer: unknown = null;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#epoch = (options.ids ?? randomIds).epoch();
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
    this.#idempotency = { ...IDEMPOTENCY_DEFAULTS, ...options.idempotency };
  }

  async start(deliver: (msg: Message) => void): Promise<void> {
    this.#deliver = deliver;
    this.#scheduleSweep();
  }

  async publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    if (this.#closed) throw new StreamHubError(ErrorCode.broker, 'broker closed');
    const now = this.#clock.now();
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const original = this.#seen(channel, key, now);
      if (original) return Object.freeze({ channel, ...original, payload, duplicate: true });
    }
    let retained = this.#channels.get(channel);
    if (!retained) {
      retained = new RetainedChannel(channel, this.#epoch);
      this.#channels.set(channel, retained);
    }
    const position = retained.nextPosition();
    const msg: Message = Object.freeze({
      channel,
      offset: position.offset,
      epoch: position.epoch,
      kind: options.kind ?? 'data',
      time: options.time ?? now,
      publishedAt: now,
      payload,
    });
    retained.retain(msg, options.retention);
    if (key !== undefined) this.#remember(channel, key, msg);
    this.#ttl.set(channel, options.retention.idleTtlMs);
    // Deliver on a microtask: the publisher's await resolves first, and per-channel order is kept.
    if (this.#interest.has(channel)) queueMicrotask(() => this.#deliver?.(msg));
    return msg;
  }

  async history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    const retained = this.#channels.get(channel);
    if (!retained) return { top: null, snapshot: null, pinned: [], messages: [], recovered: false };
    return retained.history(query);
  }

  async subscribe(channel: string): Promise<void> {
    this.#interest.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#interest.delete(channel);
  }

  health(): BrokerHealth {
    return this.#closed ? { ok: false, detail: 'closed' } : { ok: true, detail: `memory, ${this.#channels.size} channels` };
  }

  /** Channels the broker retains (for tests and admin). */
  channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#deliver = null;
    if (this.#sweepTimer !== null) this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = null;
  }

  /** Forgets channels idle past their TTL. Public so tests with a manual clock can run it. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [name, retained] of this.#channels) {
      const ttl = this.#ttl.get(name) ?? 0;
      if (ttl > 0 && now - retained.lastPublishAt >= ttl) {
        this.#channels.delete(name);
        this.#ttl.delete(name);
        this.#keys.delete(name); // as in Redis, where the keys expire with the channel's data
      }
    }
  }

  /** The original publish of an idempotency key inside the window (issue 15 item 3). */
  #seen(channel: string, key: string, now: number) {
    if (!isIdempotencyKey(key)) throw new StreamHubError(ErrorCode.invalidMessage, 'idempotency key must be 1-128 printable ASCII characters');
    return this.#keys.get(channel)?.find(key, now);
  }

  #remember(channel: string, key: string, msg: Message): void {
    let window = this.#keys.get(channel);
    if (!window) {
      window = new IdempotencyWindow(this.#idempotency);
      this.#keys.set(channel, window);
    }
    const { offset, epoch, kind, time, publishedAt } = msg;
    window.remember(key, { offset, epoch, kind, time, publishedAt });
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.sweep();
      this.#scheduleSweep();
    }, this.#sweepIntervalMs);
  }
}
