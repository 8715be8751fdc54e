/**
 * Two "nodes" in one process for cross-node tests: each node's hub gets its own Broker facade over
 * one shared MemoryBroker (positions and retention are shared, delivery goes to every node that
 * subscribed), which is what the Redis broker provides across processes.
 */
import { MemoryBroker } from '../../src/brokers/memory.js';
import type { Broker, BrokerHealth, ChannelHistory, HistoryQuery, Message, Payload, PublishOptions } from '../../src/core/index.js';

export function linkedBrokers(count: number): Broker[] {
  const shared = new MemoryBroker();
  const nodes: NodeBroker[] = [];
  void shared.start((msg) => {
    for (const node of nodes) node.receive(msg);
  });
  for (let i = 0; i < count; i++) nodes.push(new NodeBroker(shared, `node-${i}`));
  return nodes;
}

class NodeBroker implements Broker {
  readonly name: string;
  readonly #shared: MemoryBroker;
  readonly #interest = new Set<string>();
  #deliver: ((msg: Message) => void) | null = null;

  constructor(shared: MemoryBroker, name: string) {
    this.#shared = shared;
    this.name = name;
  }

  receive(msg: Message): void {
    if (this.#interest.has(msg.channel)) this.#deliver?.(msg);
  }

  async start(deliver: (msg: Message) => void): Promise<void> {
    this.#deliver = deliver;
  }

  publish(channel: string, payload: Payload, options: PublishOptions): Promise<Message> {
    return this.#shared.publish(channel, payload, options);
  }

  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.#shared.history(channel, query);
  }

  async subscribe(channel: string): Promise<void> {
    this.#interest.add(channel);
    await this.#shared.subscribe(channel); // the shared broker delivers every channel any node wants
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#interest.delete(channel);
  }

  health(): BrokerHealth {
    return { ok: true, detail: this.name };
  }

  async close(): Promise<void> {
    this.#deliver = null;
  }
}
