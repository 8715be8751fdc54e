import {
  RetainedChannel,
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
} from '../core/index.js';

export interface MemoryBrokerOptions {
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** How often idle channels are looked for and forgotten (their retention's `idleTtlMs`). */
  readonly sweepIntervalMs?: number;
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
  #deliver: ((msg: Message) => void) | null = null;
  #sweepTimer: unknown = null;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#epoch = (options.ids ?? randomIds).epoch();
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  }

  async start(deliver: (msg: Message) => void): Promise<void> {
    this.#deliver = deliver;
    this.#scheduleSweep();
  }

  async publish(channel: string, payload: Payload, options: PublishOptions): Promise<Message> {
    if (this.#closed) throw new Error('broker closed');
    let retained = this.#channels.get(channel);
    if (!retained) {
      retained = new RetainedChannel(channel, this.#epoch);
      this.#channels.set(channel, retained);
    }
    const now = this.#clock.now();
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
      }
    }
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.sweep();
      this.#scheduleSweep();
    }, this.#sweepIntervalMs);
  }
}
