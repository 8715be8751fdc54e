/**
 * A memory broker that can be "restarted" under a running hub: the retained data is lost and a new
 * epoch begins, as when a memory broker's process restarts or Redis is flushed (DESIGN.md
 * "Position"). It delegates to a fresh real MemoryBroker and reports `dataLost` as brokers do.
 */
import { MemoryBroker } from '../../src/brokers/memory.js';
import type { Broker, BrokerEvents, BrokerHealth, ChannelHistory, HistoryQuery, Message, Payload, PublishedMessage, PublishOptions } from '../../src/core/index.js';

export class RestartableBroker implements Broker {
  readonly name = 'memory';
  #inner = new MemoryBroker();
  #deliver: ((msg: Message) => void) | null = null;
  #events: BrokerEvents | undefined;
  readonly #interest = new Set<string>();

  async start(deliver: (msg: Message) => void, events?: BrokerEvents): Promise<void> {
    this.#deliver = deliver;
    this.#events = events;
    await this.#inner.start(deliver);
  }

  /** Loses every channel's data; the next publishes start a new epoch at offset 1. */
  async restart(): Promise<void> {
    await this.#inner.close();
    this.#inner = new MemoryBroker();
    await this.#inner.start((msg) => this.#deliver?.(msg));
    for (const channel of this.#interest) await this.#inner.subscribe(channel);
    this.#events?.dataLost?.();
  }

  publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    return this.#inner.publish(channel, payload, options);
  }

  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.#inner.history(channel, query);
  }

  async subscribe(channel: string): Promise<void> {
    this.#interest.add(channel);
    await this.#inner.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#interest.delete(channel);
    await this.#inner.unsubscribe(channel);
  }

  health(): BrokerHealth {
    return this.#inner.health();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
